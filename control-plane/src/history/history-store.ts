import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type Collection, updateWithRetry } from "../store/store.js";
import {
  dayDocId,
  dayOf,
  daysBetween,
  fromTuple,
  type HistoryDayDoc,
  type PointTuple,
  toTuple,
} from "./history-doc.js";
import { type HistoryPoint, retentionMs } from "./usage-buckets.js";

/**
 * Reads and writes usage history as one document per cluster per UTC day.
 * Writing a point is one atomic document change; writing the same bucket
 * twice (a replica taking over mid-bucket) replaces it rather than adding a
 * duplicate.
 */
export class HistoryStore {
  readonly #docs: Collection<HistoryDayDoc>;

  constructor(docs: Collection<HistoryDayDoc>) {
    this.#docs = docs;
  }

  /** Appends (or replaces) one closed point of a cluster. */
  async write(clusterId: string, point: HistoryPoint): Promise<void> {
    const day = dayOf(point.at);
    const id = dayDocId(day, clusterId);
    const tuple = toTuple(point);
    for (let attempt = 0; ; attempt++) {
      const updated = await updateWithRetry(this.#docs, id, (doc) => ({
        _id: id,
        clusterId,
        day,
        points: withPoint(doc.points, tuple),
      }));
      if (updated) return;
      try {
        await this.#docs.insert({ _id: id, clusterId, day, points: [tuple] });
        return;
      } catch (err) {
        // Someone inserted the day meanwhile: go round and update it.
        if (!(err instanceof AppError && err.code === ErrorCode.AlreadyExists) || attempt > 2)
          throw err;
      }
    }
  }

  /** The points of a cluster with `fromMs <= at < toMs`, oldest first. */
  async read(clusterId: string, fromMs: number, toMs: number): Promise<HistoryPoint[]> {
    const out: HistoryPoint[] = [];
    if (toMs <= fromMs) return out;
    for (const day of daysBetween(fromMs, toMs - 1)) {
      const doc = await this.#docs.get(dayDocId(day, clusterId));
      if (!doc) continue;
      for (const t of doc.points) {
        const p = fromTuple(day, t);
        if (p.at >= fromMs && p.at < toMs) out.push(p);
      }
    }
    return out;
  }

  /**
   * Deletes day documents wholly older than the retention at `nowMs`, oldest
   * first, in pages of `pageSize`; resolves with how many went. `between`
   * runs after each page, so a caller can yield to the event loop.
   */
  async prune(
    nowMs: number,
    options: { pageSize?: number; between?: () => Promise<void> } = {},
  ): Promise<number> {
    const keepFrom = dayOf(nowMs - retentionMs);
    const pageSize = options.pageSize ?? 200;
    let deleted = 0;
    for (;;) {
      const page = await this.#docs.find({}, { limit: pageSize });
      const old = page.filter((d) => d.day < keepFrom);
      for (const d of old) if (await this.#docs.delete(d._id)) deleted++;
      if (old.length < page.length || page.length < pageSize) return deleted;
      await options.between?.();
    }
  }

  /** Deletes a cluster's history within the retention window at `nowMs`. */
  async forget(clusterId: string, nowMs: number): Promise<void> {
    for (const day of daysBetween(nowMs - retentionMs, nowMs)) {
      await this.#docs.delete(dayDocId(day, clusterId));
    }
  }
}

/** `points` with `tuple` in its slot's place, kept sorted by slot. */
function withPoint(points: readonly PointTuple[], tuple: PointTuple): PointTuple[] {
  const out = points.filter((p) => p[0] !== tuple[0]);
  let i = out.length;
  while (i > 0 && (out[i - 1] as PointTuple)[0] > tuple[0]) i--;
  out.splice(i, 0, tuple);
  return out;
}
