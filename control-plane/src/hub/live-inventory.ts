import type { Node, NodeReport, Resources } from "@smart-orchestrator/shared";
import type { LiveNodes, NodeView } from "../clusters/live-nodes.js";

/** The latest report of one cluster, as kept in memory. */
export interface ClusterSnapshot {
  readonly report: NodeReport;
  /** Hub time the report arrived. */
  readonly receivedAt: Date;
}

/** Quantities as the REST API shows them: exact integers. */
export interface ResourceView {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  readonly pods: number;
  readonly ephemeralStorageBytes: number;
}

const zero: Resources = { cpuMillis: 0, memoryBytes: 0, pods: 0, ephemeralStorageBytes: 0 };

/**
 * Node reports live here, in memory only: at 10k agents every 10 s a store
 * write per report would be 1k writes/s for data that is stale in seconds.
 */
export class LiveInventory implements LiveNodes {
  readonly #latest = new Map<string, ClusterSnapshot>();

  /** Keeps a cluster's newest report. */
  record(clusterId: string, report: NodeReport, receivedAt: Date): void {
    this.#latest.set(clusterId, { report, receivedAt });
  }

  /** The newest report of a cluster, if it has reported since the hub started. */
  snapshot(clusterId: string): ClusterSnapshot | undefined {
    return this.#latest.get(clusterId);
  }

  /** Drops a deleted cluster's figures. */
  forget(clusterId: string): void {
    this.#latest.delete(clusterId);
  }

  /** The agent's host figures from the newest report, as REST shows them. */
  hostView(clusterId: string): Record<string, unknown> | undefined {
    const host = this.#latest.get(clusterId)?.report.host;
    if (!host) return undefined;
    return {
      scope: host.scope,
      hostname: host.hostname,
      cpuPercent: host.cpuPercent,
      load1: host.load1,
      memoryTotalBytes: host.memoryTotalBytes,
      memoryUsedBytes: host.memoryUsedBytes,
      filesystems: host.filesystems.map((f) => ({ ...f })),
      interfaces: host.interfaces.map((i) => ({ ...i })),
      ...(host.temperatureCelsius !== undefined
        ? { temperatureCelsius: host.temperatureCelsius }
        : {}),
      processRssBytes: host.processRssBytes,
      processCpuPercent: host.processCpuPercent,
      unavailable: { ...host.unavailable },
    };
  }

  nodes(clusterId: string): readonly NodeView[] {
    const snap = this.#latest.get(clusterId);
    return snap ? snap.report.nodes.map(toNodeView) : [];
  }
}

/** A reported node as `GET /clusters/node/:id` shows it. */
export function toNodeView(node: Node): NodeView {
  const allocatable = resources(node.allocatable);
  const requested = resources(node.requested);
  return {
    name: node.name,
    ready: node.ready,
    arch: node.architecture,
    kubeletVersion: node.kubeletVersion,
    labels: { ...node.labels },
    taints: node.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    capacity: resources(node.capacity),
    allocatable,
    requested,
    usage: usageView(node),
    // The original API's "net" figures, kept for its clients.
    net: {
      rxBytesPerSecond: node.usage?.networkRxBytesPerSecond ?? null,
      txBytesPerSecond: node.usage?.networkTxBytesPerSecond ?? null,
    },
    free: {
      cpuMillis: Math.max(0, allocatable.cpuMillis - requested.cpuMillis),
      memoryBytes: Math.max(0, allocatable.memoryBytes - requested.memoryBytes),
      pods: Math.max(0, allocatable.pods - requested.pods),
      ephemeralStorageBytes: Math.max(
        0,
        allocatable.ephemeralStorageBytes - requested.ephemeralStorageBytes,
      ),
    },
  };
}

function resources(r: Resources | undefined): ResourceView {
  const v = r ?? zero;
  return {
    cpuMillis: v.cpuMillis,
    memoryBytes: v.memoryBytes,
    pods: v.pods,
    ephemeralStorageBytes: v.ephemeralStorageBytes,
  };
}

/** Live usage as REST shows it: figures present, and why the others are missing. */
function usageView(node: Node) {
  const u = node.usage;
  if (!u) return { unavailable: { all: "the agent sent no usage" } };
  return {
    ...(u.cpuMillis !== undefined ? { cpuMillis: u.cpuMillis } : {}),
    ...(u.memoryBytes !== undefined ? { memoryBytes: u.memoryBytes } : {}),
    ...(u.networkRxBytesPerSecond !== undefined
      ? { networkRxBytesPerSecond: u.networkRxBytesPerSecond }
      : {}),
    ...(u.networkTxBytesPerSecond !== undefined
      ? { networkTxBytesPerSecond: u.networkTxBytesPerSecond }
      : {}),
    ...(u.filesystemUsedBytes !== undefined ? { filesystemUsedBytes: u.filesystemUsedBytes } : {}),
    ...(u.filesystemCapacityBytes !== undefined
      ? { filesystemCapacityBytes: u.filesystemCapacityBytes }
      : {}),
    unavailable: { ...u.unavailable },
  };
}
