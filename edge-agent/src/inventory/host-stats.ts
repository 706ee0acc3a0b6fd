import { hostname, loadavg } from "node:os";
import type { HostStats } from "@smart-orchestrator/shared";
import si from "systeminformation";

/** Where the agent runs: on the node itself (host mode) or in a pod (cluster mode). */
export type HostScope = "host" | "agent-pod";

/** Options for {@link HostSampler}. */
export interface HostSamplerOptions {
  readonly scope: HostScope;
  /** Filesystems change slowly and `df` costs a process spawn: sample them this often (default 60 s). */
  readonly filesystemEveryMs?: number;
  readonly now?: () => number;
}

const virtualFs = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|nsfs|ramfs|autofs)$/;
const virtualIf = /^(lo|veth|cni|flannel|cali|cilium|docker|br-|virbr|kube-ipvs|tunl|vxlan)/;

/**
 * Samples the machine the agent runs on with systeminformation: the whole
 * story on a single-node Raspberry Pi in host mode, and the agent's own
 * health in cluster mode. Network rates need two samples, so the first
 * call reports interfaces without rates as unavailable.
 */
export class HostSampler {
  readonly #o: HostSamplerOptions;
  #fsAt = 0;
  #filesystems: HostStats["filesystems"] = [];
  #lastCpu = process.cpuUsage();
  #lastAt: number;
  #primed = false;

  constructor(options: HostSamplerOptions) {
    this.#o = options;
    this.#lastAt = (options.now ?? Date.now)();
  }

  /** Takes one sample. Never throws: a failing source is listed in `unavailable`. */
  async sample(): Promise<HostStats> {
    const now = (this.#o.now ?? Date.now)();
    const unavailable: Record<string, string> = {};
    const [load, mem, net, temp] = await Promise.all([
      si.currentLoad().catch((e: Error) => fail(unavailable, "cpu_percent", e)),
      si.mem().catch((e: Error) => fail(unavailable, "memory_used_bytes", e)),
      si.networkStats("*").catch((e: Error) => fail(unavailable, "interfaces", e)),
      si.cpuTemperature().catch((e: Error) => fail(unavailable, "temperature_celsius", e)),
    ]);
    if (now - this.#fsAt >= (this.#o.filesystemEveryMs ?? 60_000)) {
      const fs = await si.fsSize().catch((e: Error) => fail(unavailable, "filesystems", e));
      if (fs) {
        this.#filesystems = fs
          .filter((f) => !virtualFs.test(f.type) && f.size > 0)
          .map((f) => ({
            mount: f.mount,
            type: f.type,
            // uint64 on the wire: a fractional value would fail to encode.
            sizeBytes: Math.round(f.size),
            usedBytes: Math.round(f.used),
          }));
        this.#fsAt = now;
      }
    }
    const interfaces = (net ?? [])
      .filter((n) => !virtualIf.test(n.iface))
      .map((n) => ({
        name: n.iface,
        rxBytesPerSecond: Math.max(0, n.rx_sec ?? 0),
        txBytesPerSecond: Math.max(0, n.tx_sec ?? 0),
      }));
    if (!this.#primed) unavailable.interfaces_rates = "first sample: rates need two samples";
    this.#primed = true;
    const temperature =
      temp && typeof temp.main === "number" && temp.main > 0 ? temp.main : undefined;
    if (temperature === undefined && !unavailable.temperature_celsius) {
      unavailable.temperature_celsius = "no temperature sensor exposed by this hardware";
    }
    const cpu = process.cpuUsage(this.#lastCpu);
    const elapsedMs = Math.max(1, now - this.#lastAt);
    this.#lastCpu = process.cpuUsage();
    this.#lastAt = now;
    return {
      scope: this.#o.scope,
      hostname: hostname(),
      cpuPercent: load?.currentLoad ?? 0,
      load1: loadavg()[0] ?? 0,
      memoryTotalBytes: Math.round(mem?.total ?? 0),
      // "active" excludes buffers/cache, the figure that means memory pressure.
      memoryUsedBytes: Math.round(mem?.active ?? 0),
      filesystems: this.#filesystems,
      interfaces,
      ...(temperature !== undefined ? { temperatureCelsius: temperature } : {}),
      processRssBytes: process.memoryUsage.rss(),
      processCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      unavailable,
    };
  }
}

function fail(unavailable: Record<string, string>, field: string, err: Error): undefined {
  unavailable[field] = err.message;
  return undefined;
}
