import type { ClusterFigures } from "./cluster-figures.js";

/** Width of one history point: 5 minutes. */
export const bucketMs = 5 * 60_000;

/** How far back history is kept: 14 days, i.e. 4032 points per cluster. */
export const retentionMs = 14 * 24 * 60 * 60_000;

/** One closed 5-minute bucket of one cluster: means, plus the extremes a forecaster may want. */
export interface HistoryPoint {
  /** Bucket start, Unix ms (a multiple of {@link bucketMs}). */
  readonly at: number;
  readonly cpuFreeMillis: number;
  readonly memoryFreeBytes: number;
  /** Mean over the samples that carried a rate; null when none did (not 0). */
  readonly rxBytesPerSecond: number | null;
  readonly cpuFreeMinMillis: number;
  readonly memoryFreeMinBytes: number;
  readonly rxMaxBytesPerSecond: number | null;
  /** Reports aggregated into the point. */
  readonly samples: number;
  /** Mean CPU in use over the samples that measured it; null when none did (and in points stored before it was kept). */
  readonly cpuUsedMillis: number | null;
  /** Mean memory in use over the samples that measured it; null when none did. */
  readonly memoryUsedBytes: number | null;
}

/** The newest figures of a cluster and when they arrived. */
export interface LatestFigures extends ClusterFigures {
  /** Hub time of the report, Unix ms. */
  readonly at: number;
}

/** A point that has just closed, ready to be written. */
export interface ClosedPoint {
  readonly clusterId: string;
  readonly point: HistoryPoint;
}

/** Running sums of one cluster's open bucket; mutated in place so a report allocates nothing. */
class Accumulator {
  start = -1;
  n = 0;
  cpuSum = 0;
  memSum = 0;
  rxSum = 0;
  rxN = 0;
  cpuMin = 0;
  memMin = 0;
  rxMax = 0;
  cpuUsedSum = 0;
  cpuUsedN = 0;
  memUsedSum = 0;
  memUsedN = 0;
  latest: LatestFigures;

  constructor(latest: LatestFigures) {
    this.latest = latest;
  }

  add(f: ClusterFigures): void {
    if (this.n === 0 || f.cpuFreeMillis < this.cpuMin) this.cpuMin = f.cpuFreeMillis;
    if (this.n === 0 || f.memoryFreeBytes < this.memMin) this.memMin = f.memoryFreeBytes;
    this.n++;
    this.cpuSum += f.cpuFreeMillis;
    this.memSum += f.memoryFreeBytes;
    if (f.rxBytesPerSecond !== null) {
      if (this.rxN === 0 || f.rxBytesPerSecond > this.rxMax) this.rxMax = f.rxBytesPerSecond;
      this.rxN++;
      this.rxSum += f.rxBytesPerSecond;
    }
    if (f.cpuUsedMillis !== null) {
      this.cpuUsedSum += f.cpuUsedMillis;
      this.cpuUsedN++;
    }
    if (f.memoryUsedBytes !== null) {
      this.memUsedSum += f.memoryUsedBytes;
      this.memUsedN++;
    }
  }

  close(): HistoryPoint {
    const p: HistoryPoint = {
      at: this.start,
      cpuFreeMillis: Math.round(this.cpuSum / this.n),
      memoryFreeBytes: Math.round(this.memSum / this.n),
      rxBytesPerSecond: this.rxN ? Math.round(this.rxSum / this.rxN) : null,
      cpuFreeMinMillis: this.cpuMin,
      memoryFreeMinBytes: this.memMin,
      rxMaxBytesPerSecond: this.rxN ? Math.round(this.rxMax) : null,
      samples: this.n,
      cpuUsedMillis: this.cpuUsedN ? Math.round(this.cpuUsedSum / this.cpuUsedN) : null,
      memoryUsedBytes: this.memUsedN ? Math.round(this.memUsedSum / this.memUsedN) : null,
    };
    this.start = -1;
    this.n = this.cpuSum = this.memSum = this.rxSum = this.rxN = 0;
    this.cpuUsedSum = this.cpuUsedN = this.memUsedSum = this.memUsedN = 0;
    return p;
  }
}

/** The start of the bucket holding `atMs`. */
export function bucketStart(atMs: number): number {
  return atMs - (((atMs % bucketMs) + bucketMs) % bucketMs);
}

/**
 * Downsamples report figures into 5-minute buckets, in memory. A bucket
 * closes when a report of the next bucket arrives or, for a cluster that fell
 * silent, when {@link closeDue} runs past its end; only closed buckets reach
 * the store, so the store sees one write per cluster per 5 minutes whatever
 * the report rate. An open bucket is lost on restart, by design.
 */
export class UsageBuckets {
  readonly #acc = new Map<string, Accumulator>();

  /**
   * Adds one report's figures at hub time `atMs`. Returns the cluster's
   * previous bucket when this report opened a new one.
   */
  add(clusterId: string, figures: ClusterFigures, atMs: number): HistoryPoint | undefined {
    const latest: LatestFigures = { ...figures, at: atMs };
    let acc = this.#acc.get(clusterId);
    if (!acc) {
      acc = new Accumulator(latest);
      this.#acc.set(clusterId, acc);
    }
    acc.latest = latest;
    const start = bucketStart(atMs);
    let closed: HistoryPoint | undefined;
    // A clock that steps back keeps adding to the open bucket rather than reopening an old one.
    if (acc.n > 0 && start > acc.start) closed = acc.close();
    if (acc.n === 0) acc.start = start;
    acc.add(figures);
    return closed;
  }

  /** The newest figures of a cluster, if it reported since the hub started. */
  latest(clusterId: string): LatestFigures | undefined {
    return this.#acc.get(clusterId)?.latest;
  }

  /** Closes every open bucket that ended at or before `nowMs` (clusters that fell silent). */
  closeDue(nowMs: number): ClosedPoint[] {
    const out: ClosedPoint[] = [];
    for (const [clusterId, acc] of this.#acc) {
      if (acc.n > 0 && acc.start + bucketMs <= nowMs) out.push({ clusterId, point: acc.close() });
    }
    return out;
  }

  /** Drops a deleted cluster, open bucket included. */
  forget(clusterId: string): void {
    this.#acc.delete(clusterId);
  }

  /** Clusters with figures in memory. */
  get size(): number {
    return this.#acc.size;
  }
}
