import type { Node, NodeReport } from "@smart-orchestrator/shared";

/** What one report says about a whole cluster's spare room and traffic. */
export interface ClusterFigures {
  /** Σ over Ready nodes of allocatable − requested CPU, millicores (never below 0 per node). */
  readonly cpuFreeMillis: number;
  /** Σ over Ready nodes of allocatable − requested memory, bytes (never below 0 per node). */
  readonly memoryFreeBytes: number;
  /** Σ of the nodes' network receive rates, bytes/s; null when no node reported one. */
  readonly rxBytesPerSecond: number | null;
  /** How many nodes counted as Ready. */
  readonly readyNodes: number;
  /** Σ over Ready nodes of CPU in use (metrics.k8s.io), millicores; null when no node measured it. */
  readonly cpuUsedMillis: number | null;
  /** Σ over Ready nodes of memory in use, bytes; null when no node measured it. */
  readonly memoryUsedBytes: number | null;
}

/**
 * The one place the network receive rate of a node is read from a report:
 * `usage.network_rx_bytes_per_second`, undefined when the agent could not
 * measure it (no kubelet summary access, first sample, ...).
 */
export function nodeRxBytesPerSecond(node: Node): number | undefined {
  const rx = node.usage?.networkRxBytesPerSecond;
  return rx !== undefined && Number.isFinite(rx) && rx >= 0 ? rx : undefined;
}

/**
 * Sums a report into cluster figures. Free capacity counts Ready nodes only
 * (DESIGN section 5); traffic counts every node that measured it, since a
 * NotReady node still receives, and stays null rather than 0 when none did.
 */
export function clusterFigures(report: NodeReport): ClusterFigures {
  let cpu = 0;
  let mem = 0;
  let rx = 0;
  let rxSeen = false;
  let ready = 0;
  let cpuUsed: number | null = null;
  let memUsed: number | null = null;
  for (const node of report.nodes) {
    const r = nodeRxBytesPerSecond(node);
    if (r !== undefined) {
      rx += r;
      rxSeen = true;
    }
    if (!node.ready) continue;
    ready++;
    const a = node.allocatable;
    const q = node.requested;
    cpu += Math.max(0, (a?.cpuMillis ?? 0) - (q?.cpuMillis ?? 0));
    const u = node.usage;
    if (u?.cpuMillis !== undefined) cpuUsed = (cpuUsed ?? 0) + u.cpuMillis;
    if (u?.memoryBytes !== undefined) memUsed = (memUsed ?? 0) + u.memoryBytes;
    mem += Math.max(0, (a?.memoryBytes ?? 0) - (q?.memoryBytes ?? 0));
  }
  return {
    cpuFreeMillis: cpu,
    memoryFreeBytes: mem,
    rxBytesPerSecond: rxSeen ? rx : null,
    readyNodes: ready,
    cpuUsedMillis: cpuUsed,
    memoryUsedBytes: memUsed,
  };
}
