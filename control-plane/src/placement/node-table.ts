/**
 * What placement reads of a cluster's nodes, laid out once per report: a
 * decision fits every cluster of the fleet, and reading allocatable minus
 * requested, the arch label and the taints out of each node object again for
 * every decision was a third of its time (bench/scheduler).
 */
import type { Node, Taint } from "@smart-orchestrator/shared";
import { archLabel } from "./pod-constraints.js";

/** Numbers per node in {@link NodeTable.cells}. */
export const STRIDE = 4;
/** Offsets in a node's cells: free CPU millicores, free memory bytes, free pod slots, flags. */
export const CPU = 0;
export const MEM = 1;
export const PODS = 2;
export const FLAGS = 3;
/** Flag bits: the node is Ready; it has a taint that keeps pods off (NoSchedule, NoExecute). */
export const READY = 1;
export const HARD_TAINT = 2;
/** The arch id sits above the two flag bits: `(flags >> ARCH_SHIFT) & ARCH_MASK`. */
export const ARCH_SHIFT = 2;
export const ARCH_MASK = 0xff;
/** The arch id of an arch seen after {@link MAX_ARCHES} distinct ones: compare the strings. */
export const OTHER_ARCH = 255;
const MAX_ARCHES = 254;
/**
 * The id of the node's set of hard taints sits above the arch id:
 * `flags >> TAINTS_SHIFT` (0: none). Eligibility and its reasons then read
 * the taints from {@link taintSet} and not from the node object, which in a
 * large fleet is a cache miss per tainted node.
 */
export const TAINTS_SHIFT = 10;
/** The taint-set id once {@link MAX_TAINT_SETS} distinct sets were seen: read the node. */
export const OTHER_TAINTS = (1 << 20) - 1;
const MAX_TAINT_SETS = OTHER_TAINTS - 1;

/**
 * A report's nodes as placement reads them: node `i` at
 * `cells[at + i * STRIDE]`, in report order.
 */
export interface NodeTable {
  readonly nodes: readonly Node[];
  /** The number of nodes (read without touching the node array). */
  readonly count: number;
  /**
   * Per node: allocatable minus the requests of its pods (CPU, memory, pods;
   * never below 0), then flags and arch id. A fleet's tables share one buffer
   * ({@link FleetTables}): in a fleet of thousands of clusters, every separate
   * object a decision reads per cluster is another cache and TLB miss, and
   * those misses made a decision over 5,000 clusters cost up to twice as
   * much per cluster as over 1,000.
   */
  readonly cells: Float64Array;
  /** Where node 0 starts in {@link cells}. */
  readonly at: number;
  /** The `kubernetes.io/arch` label, or the reported architecture without it (for reasons). */
  readonly arch: readonly (string | undefined)[];
  /** Allocatable of the Ready nodes, summed (the forecast check). */
  readonly readyCpuMillis: number;
  readonly readyMemoryBytes: number;
}

// Arch ids: node arches and selector values compare as small numbers. Bounded,
// as arches come from reports; an arch past the bound is OTHER_ARCH.
const archIds = new Map<string | undefined, number>([[undefined, 0]]);

/** The id of an arch (0 for none); {@link OTHER_ARCH} once the bound is reached. */
export function archId(arch: string | undefined): number {
  let id = archIds.get(arch);
  if (id === undefined) {
    if (archIds.size > MAX_ARCHES) return OTHER_ARCH;
    id = archIds.size;
    archIds.set(arch, id);
  }
  return id;
}

// Taint-set ids, as arch ids: bounded, as taints come from reports.
const taintSetIds = new Map<string, number>();
const taintSets: (readonly Taint[])[] = [[]];

/** The hard taints of a taint-set id, in the node's order (empty for 0). */
export function taintSet(id: number): readonly Taint[] {
  return taintSets[id] ?? [];
}

/** The id of a node's hard taints (0 for none); {@link OTHER_TAINTS} once the bound is reached. */
function taintSetId(hard: readonly Taint[]): number {
  if (!hard.length) return 0;
  // In the node's order, as the first taint not tolerated is the one a reason names.
  let key = "";
  for (const t of hard) key += `${t.key}\u0000${t.value}\u0000${t.effect}\u0000`;
  let id = taintSetIds.get(key);
  if (id === undefined) {
    if (taintSets.length > MAX_TAINT_SETS) return OTHER_TAINTS;
    id = taintSets.length;
    taintSets.push(hard);
    taintSetIds.set(key, id);
  }
  return id;
}

// Keyed by the report's node array: a new report is a new array, so an entry
// never goes stale, and it goes with the report.
const tables = new WeakMap<readonly Node[], NodeTable>();

/** A table with a buffer of its own, built on first use (tests, one-off fits). */
export function nodeTable(nodes: readonly Node[]): NodeTable {
  let table = tables.get(nodes);
  if (!table) {
    const cells = new Float64Array(nodes.length * STRIDE);
    table = { nodes, count: nodes.length, cells, at: 0, ...layOut(nodes, cells, 0) };
    tables.set(nodes, table);
  }
  return table;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The latest report of every cluster, laid out in one buffer. A report of the
 * same size overwrites its cluster's cells in place (the usual case: reports
 * come every few seconds from the same nodes); another size takes new room at
 * the end, and when the buffer is full the current tables are copied into a
 * new one, which is how the old room is given back.
 */
export class FleetTables {
  #cells = new Float64Array(4096);
  /** The first free cell. */
  #end = 0;
  readonly #byCluster = new Map<string, Mutable<NodeTable>>();

  /** The table of `clusterId`'s report `nodes`, laid out now unless it already is. */
  of(clusterId: string, nodes: readonly Node[]): NodeTable {
    const known = this.#byCluster.get(clusterId);
    if (known?.nodes === nodes) return known;
    const need = nodes.length * STRIDE;
    let at = known?.at ?? 0;
    if (known?.count !== nodes.length) {
      this.#byCluster.delete(clusterId);
      if (this.#end + need > this.#cells.length) this.#compact(need);
      at = this.#end;
      this.#end += need;
    }
    const t: Mutable<NodeTable> = Object.assign(known ?? {}, {
      nodes,
      count: nodes.length,
      cells: this.#cells,
      at,
      ...layOut(nodes, this.#cells, at),
    });
    this.#byCluster.set(clusterId, t);
    return t;
  }

  /** The cluster is gone: its room is given back at the next compaction. */
  forget(clusterId: string): void {
    this.#byCluster.delete(clusterId);
  }

  /** Cells in the buffer, and cells held by current tables (tests, metrics). */
  get usage(): { readonly capacity: number; readonly live: number } {
    let live = 0;
    for (const t of this.#byCluster.values()) live += t.count * STRIDE;
    return { capacity: this.#cells.length, live };
  }

  /** Copies the current tables into a buffer with room for `need` more cells. */
  #compact(need: number): void {
    const live = this.usage.live;
    const next = new Float64Array(Math.max(4096, 2 ** Math.ceil(Math.log2((live + need) * 2))));
    let end = 0;
    for (const t of this.#byCluster.values()) {
      const size = t.count * STRIDE;
      next.set(this.#cells.subarray(t.at, t.at + size), end);
      t.cells = next;
      t.at = end;
      end += size;
    }
    this.#cells = next;
    this.#end = end;
  }
}

/** Writes the cells of `nodes` at `at` and returns what the table keeps beside them. */
function layOut(
  nodes: readonly Node[],
  cells: Float64Array,
  base: number,
): Pick<NodeTable, "arch" | "readyCpuMillis" | "readyMemoryBytes"> {
  const arch: (string | undefined)[] = [];
  let readyCpuMillis = 0;
  let readyMemoryBytes = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as Node;
    const a = n.allocatable;
    const q = n.requested;
    const at = base + i * STRIDE;
    cells[at + CPU] = Math.max(0, (a?.cpuMillis ?? 0) - (q?.cpuMillis ?? 0));
    cells[at + MEM] = Math.max(0, (a?.memoryBytes ?? 0) - (q?.memoryBytes ?? 0));
    cells[at + PODS] = Math.max(0, (a?.pods ?? 0) - (q?.pods ?? 0));
    const ar = n.labels[archLabel] ?? (n.architecture || undefined);
    arch.push(ar);
    const hard = n.taints.filter((t) => t.effect !== "PreferNoSchedule");
    cells[at + FLAGS] =
      (n.ready ? READY : 0) |
      (hard.length ? HARD_TAINT : 0) |
      (archId(ar) << ARCH_SHIFT) |
      (taintSetId(hard) << TAINTS_SHIFT);
    if (n.ready) {
      readyCpuMillis += a?.cpuMillis ?? 0;
      readyMemoryBytes += a?.memoryBytes ?? 0;
    }
  }
  return { arch, readyCpuMillis, readyMemoryBytes };
}
