/**
 * The moving figures behind metrics.k8s.io and the kubelet summary, derived
 * from the clock, the cluster seed and what runs where. Pods use a share of
 * what they request that drifts over minutes; nodes add a system baseline;
 * network counters grow at a per-node rate. See usage-model.ts for why
 * nothing here needs a timer.
 */
import { parseBytes, parseMillis } from "@smart-orchestrator/shared";
import { arrayAt, isObject, type KubeObject, objectAt } from "./kube-object.js";
import { counterAt, smoothNoise, unitHash } from "./usage-model.js";

/** What the figures depend on besides the objects. */
export interface FiguresContext {
  readonly seed: number;
  /** When the nodes booted (ms); counters start there. */
  readonly bootMs: number;
  readonly now: number;
  /** Mean receive rate per node (bytes/s); default drawn from the seed. */
  readonly rxBytesPerSecond?: number;
}

/** CPU in nanocores and memory working set in bytes. */
export interface Usage {
  readonly cpuNanoCores: number;
  readonly memoryBytes: number;
}

const minute = 60_000;

function parseOr(value: unknown, parse: (s: string) => bigint, fallback: number): number {
  try {
    return typeof value === "string" ? Number(parse(value)) : fallback;
  } catch {
    return fallback;
  }
}

/** Per-container usage of a running pod. */
export function containerUsage(
  ctx: FiguresContext,
  pod: KubeObject,
): { name: string; usage: Usage }[] {
  const uid = pod.metadata.uid ?? pod.metadata.name ?? "";
  return arrayAt(objectAt(pod, "spec"), "containers")
    .filter(isObject)
    .map((c) => {
      const name = String(c.name ?? "");
      const requests = objectAt(objectAt(c, "resources"), "requests");
      const cpuMillis = parseOr(requests.cpu, parseMillis, 0);
      const memBytes = parseOr(requests.memory, parseBytes, 0);
      const cpuShare = 0.3 + 0.6 * smoothNoise(ctx.seed, `${uid}/${name}/cpu`, ctx.now, minute);
      const memShare = 0.5 + 0.4 * smoothNoise(ctx.seed, `${uid}/${name}/mem`, ctx.now, 5 * minute);
      return {
        name,
        usage: {
          cpuNanoCores: Math.round((cpuMillis > 0 ? cpuMillis : 10) * 1e6 * cpuShare),
          memoryBytes: Math.round((memBytes > 0 ? memBytes : 48 * 1024 * 1024) * memShare),
        },
      };
    });
}

/** A pod's usage: the sum of its containers. */
export function podUsage(ctx: FiguresContext, pod: KubeObject): Usage {
  let cpu = 0;
  let mem = 0;
  for (const c of containerUsage(ctx, pod)) {
    cpu += c.usage.cpuNanoCores;
    mem += c.usage.memoryBytes;
  }
  return { cpuNanoCores: cpu, memoryBytes: mem };
}

/** Pods that are running on a node (and so use something). */
export function runningPodsOn(nodeName: string, pods: readonly KubeObject[]): KubeObject[] {
  return pods.filter(
    (p) => objectAt(p, "spec").nodeName === nodeName && objectAt(p, "status").phase === "Running",
  );
}

/** A node's usage: a drifting system baseline plus its running pods, capped at capacity. */
export function nodeUsage(
  ctx: FiguresContext,
  node: KubeObject,
  pods: readonly KubeObject[],
): Usage {
  const name = node.metadata.name!;
  const capacity = objectAt(objectAt(node, "status"), "capacity");
  const cpuCap = parseOr(capacity.cpu, parseMillis, 1000) * 1e6;
  const memCap = parseOr(capacity.memory, parseBytes, 1 << 30);
  let cpu = cpuCap * (0.03 + 0.04 * smoothNoise(ctx.seed, `${name}/cpu`, ctx.now, minute));
  let mem = memCap * (0.12 + 0.06 * smoothNoise(ctx.seed, `${name}/mem`, ctx.now, 10 * minute));
  for (const pod of runningPodsOn(name, pods)) {
    const u = podUsage(ctx, pod);
    cpu += u.cpuNanoCores;
    mem += u.memoryBytes;
  }
  return {
    cpuNanoCores: Math.round(Math.min(cpu, cpuCap)),
    memoryBytes: Math.round(Math.min(mem, memCap * 0.95)),
  };
}

/** Mean receive and transmit rates of a node (bytes/s). */
export function networkRates(ctx: FiguresContext, nodeName: string): { rx: number; tx: number } {
  // Log-uniform between 20 kB/s and 2 MB/s unless the spec fixes it, so
  // clusters differ enough for traffic-most placement to have a winner.
  const rx = ctx.rxBytesPerSecond ?? 20_000 * 100 ** unitHash(ctx.seed, `${nodeName}/rx`, 0);
  return { rx, tx: rx * (0.3 + 0.6 * unitHash(ctx.seed, `${nodeName}/tx`, 0)) };
}

/** Cumulative rx/tx byte counters of a node's main interface since boot. */
export function networkCounters(
  ctx: FiguresContext,
  nodeName: string,
): { rxBytes: number; txBytes: number } {
  const rates = networkRates(ctx, nodeName);
  return {
    rxBytes: counterAt(ctx.seed, `${nodeName}/rx`, rates.rx, ctx.bootMs, ctx.now),
    txBytes: counterAt(ctx.seed, `${nodeName}/tx`, rates.tx, ctx.bootMs, ctx.now),
  };
}

/** Root filesystem figures of a node, drifting slowly around a quarter used. */
export function filesystem(
  ctx: FiguresContext,
  node: KubeObject,
): { capacity: number; used: number; available: number } {
  const capacity = parseOr(
    objectAt(objectAt(node, "status"), "capacity")["ephemeral-storage"],
    parseBytes,
    32 * 2 ** 30,
  );
  const used = Math.round(
    capacity *
      (0.2 + 0.1 * smoothNoise(ctx.seed, `${node.metadata.name}/fs`, ctx.now, 30 * minute)),
  );
  return { capacity, used, available: capacity - used };
}
