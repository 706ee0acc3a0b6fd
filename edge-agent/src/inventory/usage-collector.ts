import type { KubeConfig, V1Node } from "@kubernetes/client-node";
import type { NodeUsage } from "@smart-orchestrator/shared";
import { parseBytes, parseMillis, toSafeNumber } from "@smart-orchestrator/shared";
import { type AgentPool, getJson, KubeHttpError } from "./kube-get.js";

/**
 * How the agent reaches the kubelet summary API:
 * - `kubelet`: straight to each kubelet's `/stats/summary` on port 10250, as
 *   metrics-server does. Needs only `nodes/stats` (least privilege).
 * - `proxy`: through the API server's node proxy. Simpler networking, but
 *   needs `nodes/proxy`, which also allows exec into pods via the kubelet.
 */
export type SummaryAccess = "kubelet" | "proxy";

/** Options for {@link UsageCollector}. */
export interface UsageCollectorOptions {
  readonly kubeConfig: KubeConfig;
  readonly summaryAccess: SummaryAccess;
  /** Skip kubelet serving-certificate verification (`--kubelet-insecure-tls`, as metrics-server). */
  readonly kubeletInsecureTls?: boolean;
  readonly now?: () => number;
  /** Where a node's kubelet answers, when not at its InternalIP:10250 (the simulator). */
  readonly kubeletUrl?: (node: V1Node) => string;
  /**
   * Kept-alive connection pools (the agent passes the one its API client uses); without
   * one, every sample opens a TLS connection to the API server and to each kubelet.
   */
  readonly agents?: AgentPool;
}

interface NetSample {
  readonly rx: number;
  readonly tx: number;
  readonly at: number;
  /** The rate this sample gave against the one before it (bytes per second). */
  readonly rate?: { readonly rx: number; readonly tx: number };
}

interface Summary {
  node?: {
    network?: {
      rxBytes?: number;
      txBytes?: number;
      time?: string;
      interfaces?: { rxBytes?: number; txBytes?: number }[];
    };
    fs?: { usedBytes?: number; capacityBytes?: number };
  };
}

interface NodeMetricsList {
  items: { metadata: { name: string }; usage: { cpu: string; memory: string } }[];
}

/**
 * Reads what each node actually uses: CPU and memory from metrics.k8s.io,
 * network and filesystem from the kubelet summary, with rates from two
 * samples. A missing or forbidden source leaves its fields unset and says
 * why, so a scheduler never mistakes "unknown" for "idle".
 */
export class UsageCollector {
  readonly #o: UsageCollectorOptions;
  readonly #previous = new Map<string, NetSample>();

  constructor(options: UsageCollectorOptions) {
    this.#o = options;
  }

  /** One sample for every node; never throws. */
  async collect(nodes: readonly V1Node[]): Promise<Map<string, NodeUsage>> {
    const out = new Map<string, NodeUsage>();
    for (const n of nodes) out.set(n.metadata?.name ?? "", { unavailable: {} });
    await Promise.all([this.#metrics(out), ...nodes.map((n) => this.#summary(n, out))]);
    for (const name of this.#previous.keys()) if (!out.has(name)) this.#previous.delete(name);
    return out;
  }

  async #metrics(out: Map<string, NodeUsage>): Promise<void> {
    let list: NodeMetricsList;
    try {
      list = (await getJson(this.#o.kubeConfig, "/apis/metrics.k8s.io/v1beta1/nodes", {
        ...(this.#o.agents ? { agents: this.#o.agents } : {}),
      })) as NodeMetricsList;
    } catch (err) {
      const reason = explain(
        err,
        "metrics.k8s.io",
        "install metrics-server (k3s ships it)",
        "nodes.metrics.k8s.io list",
      );
      for (const u of out.values()) u.unavailable.cpu_millis = u.unavailable.memory_bytes = reason;
      return;
    }
    const byName = new Map(list.items.map((i) => [i.metadata.name, i.usage]));
    for (const [name, u] of out) {
      const m = byName.get(name);
      if (!m) {
        u.unavailable.cpu_millis = u.unavailable.memory_bytes = "no metrics for this node yet";
        continue;
      }
      u.cpuMillis = toSafeNumber(parseMillis(m.cpu));
      u.memoryBytes = toSafeNumber(parseBytes(m.memory));
    }
  }

  async #summary(node: V1Node, out: Map<string, NodeUsage>): Promise<void> {
    const name = node.metadata?.name ?? "";
    const u = out.get(name);
    if (!u) return;
    let summary: Summary;
    try {
      summary = (await getJson(this.#o.kubeConfig, this.#summaryUrl(node), {
        insecureTls: this.#o.kubeletInsecureTls,
        timeoutMs: 5_000,
        ...(this.#o.agents ? { agents: this.#o.agents } : {}),
      })) as Summary;
    } catch (err) {
      const verb = this.#o.summaryAccess === "kubelet" ? "nodes/stats get" : "nodes/proxy get";
      const reason = explain(
        err,
        "the kubelet summary API",
        "check that the kubelet is reachable",
        verb,
      );
      for (const f of [
        "network_rx_bytes_per_second",
        "network_tx_bytes_per_second",
        "filesystem_used_bytes",
        "filesystem_capacity_bytes",
      ]) {
        u.unavailable[f] = reason;
      }
      return;
    }
    const fs = summary.node?.fs;
    if (fs?.usedBytes !== undefined) u.filesystemUsedBytes = Math.round(fs.usedBytes);
    else u.unavailable.filesystem_used_bytes = "summary has no node.fs";
    if (fs?.capacityBytes !== undefined) u.filesystemCapacityBytes = Math.round(fs.capacityBytes);
    const net = summary.node?.network;
    const rx = net?.rxBytes ?? sum(net?.interfaces, "rxBytes");
    const tx = net?.txBytes ?? sum(net?.interfaces, "txBytes");
    if (rx === undefined || tx === undefined) {
      u.unavailable.network_rx_bytes_per_second = u.unavailable.network_tx_bytes_per_second =
        "summary has no node.network";
      return;
    }
    const at = net?.time ? Date.parse(net.time) : (this.#o.now ?? Date.now)();
    const prev = this.#previous.get(name);
    if (prev && at === prev.at && prev.rate) {
      // The kubelet refreshes its figures every 10-15 s and stamps them to the second, so a
      // sample is often the previous one again. Keep its rate: dropping it made rates
      // flicker in and out of the reports (and the "usage with rates" test miss them).
      u.networkRxBytesPerSecond = prev.rate.rx;
      u.networkTxBytesPerSecond = prev.rate.tx;
      return;
    }
    this.#previous.set(name, { rx, tx, at });
    if (!prev || at <= prev.at || rx < prev.rx || tx < prev.tx) {
      const why = prev
        ? "counter reset or stale sample; rate on the next one"
        : "first sample: rates need two";
      u.unavailable.network_rx_bytes_per_second = u.unavailable.network_tx_bytes_per_second = why;
      return;
    }
    const seconds = (at - prev.at) / 1000;
    const rate = { rx: (rx - prev.rx) / seconds, tx: (tx - prev.tx) / seconds };
    this.#previous.set(name, { rx, tx, at, rate });
    u.networkRxBytesPerSecond = rate.rx;
    u.networkTxBytesPerSecond = rate.tx;
  }

  #summaryUrl(node: V1Node): string {
    const name = node.metadata?.name ?? "";
    if (this.#o.summaryAccess === "proxy")
      return `/api/v1/nodes/${encodeURIComponent(name)}/proxy/stats/summary`;
    if (this.#o.kubeletUrl) return `${this.#o.kubeletUrl(node).replace(/\/$/, "")}/stats/summary`;
    const address =
      node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ??
      node.status?.addresses?.find((a) => a.type === "Hostname")?.address ??
      name;
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250;
    const host = address.includes(":") ? `[${address}]` : address;
    return `https://${host}:${port}/stats/summary`;
  }
}

function sum(
  list: { rxBytes?: number; txBytes?: number }[] | undefined,
  key: "rxBytes" | "txBytes",
): number | undefined {
  if (!list?.length) return undefined;
  return list.reduce((a, i) => a + (i[key] ?? 0), 0);
}

function explain(err: unknown, source: string, hint: string, permission: string): string {
  const status = err instanceof KubeHttpError ? err.status : undefined;
  if (status === 404) return `${source} not served (${hint})`;
  if (status === 403 || status === 401) return `forbidden: RBAC must allow ${permission}`;
  return `${source} failed: ${(err as Error).message}`;
}
