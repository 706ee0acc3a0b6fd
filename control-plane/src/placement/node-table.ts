/**
 * What placement reads of a cluster's nodes, laid out once per report: a
 * decision fits every cluster of the fleet, and reading allocatable minus
 * requested, the arch label and the taints out of each node object again for
 * every decision was a third of its time (bench/scheduler).
 */
import type { Node } from "@smart-orchestrator/shared";
import { archLabel } from "./pod-constraints.js";

/** One report's nodes as flat arrays, indexed as the report lists them. */
export interface NodeTable {
  readonly nodes: readonly Node[];
  /** Allocatable minus the requests of the node's pods, never below 0. */
  readonly cpuMillis: Float64Array;
  readonly memoryBytes: Float64Array;
  readonly pods: Float64Array;
  /** 1 when the node is Ready. */
  readonly ready: Uint8Array;
  /** The `kubernetes.io/arch` label, or the reported architecture without it. */
  readonly arch: readonly (string | undefined)[];
  /** 1 when the node has a taint that keeps pods off (NoSchedule, NoExecute). */
  readonly hardTaint: Uint8Array;
  /** Allocatable of the Ready nodes, summed (the forecast check). */
  readonly readyCpuMillis: number;
  readonly readyMemoryBytes: number;
}

// Keyed by the report's node array: a new report is a new array, so an entry
// never goes stale, and it goes with the report.
const tables = new WeakMap<readonly Node[], NodeTable>();

/**
 * The table of a report's nodes, built on first use. The control plane asks
 * for it when the report arrives, so decisions find it ready.
 */
export function nodeTable(nodes: readonly Node[]): NodeTable {
  const known = tables.get(nodes);
  if (known) return known;
  const m = nodes.length;
  const cpuMillis = new Float64Array(m);
  const memoryBytes = new Float64Array(m);
  const pods = new Float64Array(m);
  const ready = new Uint8Array(m);
  const hardTaint = new Uint8Array(m);
  const arch: (string | undefined)[] = [];
  let readyCpuMillis = 0;
  let readyMemoryBytes = 0;
  for (let i = 0; i < m; i++) {
    const n = nodes[i] as Node;
    const a = n.allocatable;
    const q = n.requested;
    cpuMillis[i] = Math.max(0, (a?.cpuMillis ?? 0) - (q?.cpuMillis ?? 0));
    memoryBytes[i] = Math.max(0, (a?.memoryBytes ?? 0) - (q?.memoryBytes ?? 0));
    pods[i] = Math.max(0, (a?.pods ?? 0) - (q?.pods ?? 0));
    ready[i] = n.ready ? 1 : 0;
    hardTaint[i] = n.taints.some((t) => t.effect !== "PreferNoSchedule") ? 1 : 0;
    arch.push(n.labels[archLabel] ?? (n.architecture || undefined));
    if (n.ready) {
      readyCpuMillis += a?.cpuMillis ?? 0;
      readyMemoryBytes += a?.memoryBytes ?? 0;
    }
  }
  const table = {
    nodes,
    cpuMillis,
    memoryBytes,
    pods,
    ready,
    arch,
    hardTaint,
    readyCpuMillis,
    readyMemoryBytes,
  };
  tables.set(nodes, table);
  return table;
}
