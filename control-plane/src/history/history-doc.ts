import type { StoredDoc } from "../store/store.js";
import { bucketMs, type HistoryPoint } from "./usage-buckets.js";

/** The store collection holding usage history. */
export const historyCollectionName = "usage_history";

const dayMs = 24 * 60 * 60_000;

/**
 * One stored point, compact because a day document is rewritten on every
 * append: `[slot, cpuFree, memFree, rx, cpuFreeMin, memFreeMin, rxMax, samples,
 * cpuUsed, memUsed]`, slot being the 5-minute bucket of the day (0–287). The
 * last two came later: points written before them have 8 elements and read
 * back with null usage.
 */
export type PointTuple = [
  slot: number,
  cpuFreeMillis: number,
  memoryFreeBytes: number,
  rxBytesPerSecond: number | null,
  cpuFreeMinMillis: number,
  memoryFreeMinBytes: number,
  rxMaxBytesPerSecond: number | null,
  samples: number,
  cpuUsedMillis?: number | null,
  memoryUsedBytes?: number | null,
];

/**
 * One cluster's history for one UTC day: at most 288 points, so a 14-day read
 * is 15 gets by id. The id starts with the day, so listing by id yields the
 * oldest days first and pruning needs no secondary index.
 */
export interface HistoryDayDoc extends StoredDoc {
  readonly clusterId: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Points by slot, ascending. */
  readonly points: PointTuple[];
}

/** The UTC day (`YYYY-MM-DD`) holding `atMs`. */
export function dayOf(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** Id of a cluster's day document. */
export function dayDocId(day: string, clusterId: string): string {
  return `${day}/${clusterId}`;
}

/** Every UTC day from the one holding `fromMs` to the one holding `toMs`, ascending. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = fromMs - (fromMs % dayMs); t <= toMs; t += dayMs) days.push(dayOf(t));
  return days;
}

/** A point as stored. */
export function toTuple(p: HistoryPoint): PointTuple {
  return [
    Math.floor((p.at % dayMs) / bucketMs),
    p.cpuFreeMillis,
    p.memoryFreeBytes,
    p.rxBytesPerSecond,
    p.cpuFreeMinMillis,
    p.memoryFreeMinBytes,
    p.rxMaxBytesPerSecond,
    p.samples,
    p.cpuUsedMillis,
    p.memoryUsedBytes,
  ];
}

/** A stored point back as a {@link HistoryPoint}; `day` is its document's day. */
export function fromTuple(day: string, t: PointTuple): HistoryPoint {
  return {
    at: Date.parse(`${day}T00:00:00Z`) + t[0] * bucketMs,
    cpuFreeMillis: t[1],
    memoryFreeBytes: t[2],
    rxBytesPerSecond: t[3],
    cpuFreeMinMillis: t[4],
    memoryFreeMinBytes: t[5],
    rxMaxBytesPerSecond: t[6],
    samples: t[7],
    cpuUsedMillis: t[8] ?? null,
    memoryUsedBytes: t[9] ?? null,
  };
}
