import {
  type CoreV1Api,
  type KubeConfig,
  ListWatch,
  type V1Node,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import {
  addRequests,
  Backoff,
  type HostStats,
  holdsResources,
  type Logger,
  type NodeReport,
  type NodeUsage,
  noRequests,
  podSpecRequests,
  type Requests,
} from "@smart-orchestrator/shared";
import type { ReportSource } from "../link/hub-link.js";
import type { HostSampler } from "./host-stats.js";
import { toReportNode } from "./node-snapshot.js";
import type { UsageCollector } from "./usage-collector.js";

/** Options for {@link NodeInventory}. */
export interface NodeInventoryOptions {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly log: Logger;
  /** Coalesces bursts of watch events into one report (default 500 ms). */
  readonly debounceMs?: number;
  readonly now?: () => number;
  /** Live usage per node (metrics.k8s.io, kubelet summary). */
  readonly usage?: UsageCollector;
  /** The machine the agent runs on. */
  readonly host?: HostSampler;
  /** How often usage and host figures are sampled (default 10 s, the report interval). */
  readonly sampleEveryMs?: number;
  /** Called with each list or watch failure (the managed host reports it as the cluster's status reason). */
  readonly onError?: (message: string) => void;
  /** Informer restart backoff (default 1 s doubling to 30 s with full jitter, as the link). */
  readonly backoff?: () => Backoff;
}

/**
 * Keeps the cluster's nodes and the requests of their pods current through
 * list+watch informers (no polling), and turns them into NodeReports: one
 * ready at all times, and a change notification after each burst of events.
 */
export class NodeInventory implements ReportSource {
  readonly #o: NodeInventoryOptions;
  readonly #nodes: ListWatch<V1Node>;
  readonly #pods: ListWatch<V1Pod>;
  readonly #listeners = new Set<() => void>();
  #latest: NodeReport | undefined;
  #latestKey = "";
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #usage = new Map<string, NodeUsage>();
  #hostStats: HostStats | undefined;
  #sampler: NodeJS.Timeout | undefined;
  #sampling = false;
  /** The last list or watch failure; cleared by a successful list. */
  lastError: string | undefined;

  constructor(options: NodeInventoryOptions) {
    this.#o = options;
    const watch = new Watch(options.kubeConfig);
    const nodesBackoff = options.backoff?.() ?? new Backoff();
    const podsBackoff = options.backoff?.() ?? new Backoff();
    // The backoff starts over only after a list succeeds: ListWatch emits
    // "connect" before listing, so resetting there retried a broken
    // kubeconfig about twice a second per informer, forever.
    const listed = <T>(backoff: Backoff, list: Promise<T>) =>
      list.then((result) => {
        backoff.reset();
        this.lastError = undefined;
        return result;
      });
    this.#nodes = new ListWatch<V1Node>(
      "/api/v1/nodes",
      watch,
      () => listed(nodesBackoff, options.core.listNode()),
      false,
    );
    // Terminated pods free their node's resources; the API server filters them out for us.
    const terminated = "status.phase!=Succeeded,status.phase!=Failed";
    this.#pods = new ListWatch<V1Pod>(
      "/api/v1/pods",
      watch,
      () =>
        listed(podsBackoff, options.core.listPodForAllNamespaces({ fieldSelector: terminated })),
      false,
      undefined,
      terminated,
    );
    for (const [informer, backoff] of [
      [this.#nodes, nodesBackoff],
      [this.#pods, podsBackoff],
    ] as [ListWatch<never>, Backoff][]) {
      informer.on("change", () => this.#schedule());
      this.#restartOnError(informer, backoff);
    }
  }

  /** Lists nodes and pods, builds the first report and starts watching. */
  async start(): Promise<void> {
    await Promise.all([this.#nodes.start(), this.#pods.start()]);
    await this.#sample();
    if (this.#o.usage || this.#o.host) {
      this.#sampler = setInterval(() => {
        // A sample that outlasts the interval (a slow API server or kubelet, a busy
        // machine) must not be joined by another: overlapping samples piled up and
        // starved the agent, so a loaded machine never saw its first reports.
        if (this.#sampling) return;
        this.#sampling = true;
        void this.#sample().finally(() => {
          this.#sampling = false;
        });
      }, this.#o.sampleEveryMs ?? 10_000);
    }
  }

  async #sample(): Promise<void> {
    const [usage, host] = await Promise.all([
      this.#o.usage?.collect(this.#nodes.list()).catch((err: unknown) => {
        this.#o.log.warn({ err }, "usage sampling failed");
        return undefined;
      }),
      this.#o.host?.sample(),
    ]);
    if (this.#stopped) return;
    if (usage) this.#usage = usage;
    if (host) this.#hostStats = host;
    this.#rebuild();
  }

  /** Stops the watches. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#sampler);
    await Promise.all([this.#nodes.stop(), this.#pods.stop()]);
  }

  latest(): NodeReport | undefined {
    return this.#latest;
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The architectures of the current nodes, for Hello. */
  architectures(): string[] {
    return [
      ...new Set((this.#latest?.nodes ?? []).map((n) => n.architecture).filter(Boolean)),
    ].sort();
  }

  /** The current node objects, for cluster facts. */
  nodeObjects(): readonly V1Node[] {
    return this.#nodes.list();
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#rebuild();
    }, this.#o.debounceMs ?? 500);
  }

  #rebuild(): void {
    const perNode = new Map<string, { requests: Requests; pods: number }>();
    for (const pod of this.#pods.list()) {
      if (!holdsResources(pod)) continue;
      const nodeName = pod.spec?.nodeName ?? "";
      let entry = perNode.get(nodeName);
      if (!entry) {
        entry = { requests: noRequests(), pods: 0 };
        perNode.set(nodeName, entry);
      }
      try {
        addRequests(entry.requests, podSpecRequests(pod.spec));
        entry.pods++;
      } catch (err) {
        this.#o.log.warn(
          { pod: pod.metadata?.name, err: (err as Error).message },
          "skipping a pod with unreadable requests",
        );
      }
    }
    const nodes = [...this.#nodes.list()]
      .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""))
      .map((node) => {
        const entry = perNode.get(node.metadata?.name ?? "");
        return toReportNode(node, entry?.requests ?? noRequests(), entry?.pods ?? 0);
      });
    // Usage moves every sample; only inventory changes (nodes, requests, readiness) push a report early.
    const key = JSON.stringify(nodes);
    for (const n of nodes) {
      const usage = this.#usage.get(n.name);
      if (usage) n.usage = usage;
    }
    this.#latest = {
      observedAtMs: (this.#o.now ?? Date.now)(),
      nodes,
      ...(this.#hostStats ? { host: this.#hostStats } : {}),
    };
    if (key === this.#latestKey) return;
    this.#latestKey = key;
    for (const listener of this.#listeners) listener();
  }

  #restartOnError(informer: ListWatch<never>, backoff: Backoff): void {
    informer.on("error", (err) => {
      if (this.#stopped) return;
      const wait = backoff.next();
      const message = (err as Error | undefined)?.message ?? String(err);
      this.lastError = message;
      this.#o.onError?.(message);
      // The wait stays out of the line, so identical failures are rate-limited as one.
      this.#o.log.warn({ err: message }, "list or watch failed; restarting with backoff");
      setTimeout(() => {
        if (!this.#stopped) informer.start().catch(() => undefined);
      }, wait).unref();
    });
  }
}
