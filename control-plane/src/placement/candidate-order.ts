/**
 * The order of a decision's clusters: the fitting edge clusters ranked by
 * the policy, then the fitting cloud clusters ranked the same way, then the
 * rejected ones by name. Ties go by name (then id), so the order is the same
 * whatever order the clusters came in.
 *
 * A policy gives each cluster a whole-number key; the clusters are taken in
 * name order and sorted stably by key with a radix sort, so ties keep name
 * order and the cost grows with the fleet, not with fleet × log(fleet): a
 * sort with a comparison function was a sixth of a decision over 5,000
 * clusters, and the part that grew faster than the fleet (bench/scheduler).
 */
import type { Ranking } from "./policies.js";

/** What the order reads of each cluster. */
export interface Named {
  readonly id: string;
  readonly name: string;
  readonly cloud: boolean;
}

/** Per cluster (by index), what fitting found; NaN traffic means none. */
export interface FitColumns {
  readonly fits: Uint8Array;
  readonly maxReplicas: Float64Array;
  readonly traffic: Float64Array;
}

/** Indices of the clusters in decision order, and how many of them fit. */
export interface CandidateOrder {
  readonly order: Int32Array;
  readonly fitting: number;
}

/** Keys are clamped below this, so they stay exact integers. */
const KEY_LIMIT = 2 ** 52;

// Scratch, reused across decisions: a decision must not allocate per cluster.
// Single-threaded and not reentrant.
let keys = new Float64Array(64);
let byName = new Int32Array(64);
let swap = new Int32Array(64);
const counts = new Int32Array(257);

/** Orders `clusters` (see the module comment); `cols` is indexed as `clusters`. */
export function candidateOrder(
  clusters: readonly Named[],
  cols: FitColumns,
  ranking: Ranking,
): CandidateOrder {
  const n = clusters.length;
  if (keys.length < n) {
    keys = new Float64Array(n * 2);
    byName = new Int32Array(n * 2);
    swap = new Int32Array(n * 2);
  }
  nameOrder(clusters);
  const order = new Int32Array(n);
  // Fitting edge clusters, then fitting cloud ones, each in name order; then the rejected.
  let k = 0;
  for (const cloud of [false, true]) {
    const from = k;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let r = 0; r < n; r++) {
      const i = byName[r] as number;
      if (!cols.fits[i] || (clusters[i] as Named).cloud !== cloud) continue;
      const t = cols.traffic[i] as number;
      const key = ranking.key(cols.maxReplicas[i] as number, Number.isNaN(t) ? null : t, KEY_LIMIT);
      keys[i] = key;
      if (key < min) min = key;
      if (key > max) max = key;
      order[k++] = i;
    }
    if (k > from) radixSort(order.subarray(from, k), min, max - min);
  }
  const fitting = k;
  for (let r = 0; r < n; r++) {
    const i = byName[r] as number;
    if (!cols.fits[i]) order[k++] = i;
  }
  return { order, fitting };
}

/**
 * Sorts cluster indices stably by `keys[i] − min` (a whole number up to
 * `range`), one byte per pass, as many passes as the range has bytes.
 */
function radixSort(idx: Int32Array, min: number, range: number): void {
  const len = idx.length;
  let a: Int32Array = idx;
  let b: Int32Array = swap.subarray(0, len);
  for (let unit = 1; range >= unit; unit *= 256) {
    counts.fill(0);
    for (let j = 0; j < len; j++) {
      const d = Math.floor(((keys[a[j] as number] as number) - min) / unit) % 256;
      counts[d + 1] = (counts[d + 1] as number) + 1;
    }
    for (let d = 0; d < 256; d++) counts[d + 1] = (counts[d + 1] as number) + (counts[d] as number);
    for (let j = 0; j < len; j++) {
      const i = a[j] as number;
      const d = Math.floor(((keys[i] as number) - min) / unit) % 256;
      const at = counts[d] as number;
      b[at] = i;
      counts[d] = at + 1;
    }
    const t = a;
    a = b;
    b = t;
  }
  if (a !== idx) idx.set(a);
}

/**
 * Fills `byName` with the cluster indices in name order. The store lists
 * clusters by name, so one pass usually finds them in order already; only
 * otherwise are they sorted.
 */
function nameOrder(clusters: readonly Named[]): void {
  const n = clusters.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++)
    sorted = compareNames(clusters[i - 1] as Named, clusters[i] as Named) < 0;
  if (sorted) {
    for (let i = 0; i < n; i++) byName[i] = i;
    return;
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => compareNames(clusters[a] as Named, clusters[b] as Named));
  byName.set(idx);
}

function compareNames(a: Named, b: Named): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
