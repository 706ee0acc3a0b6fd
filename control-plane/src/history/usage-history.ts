import type { Logger, NodeReport } from "@smart-orchestrator/shared";
import { clusterFigures } from "./cluster-figures.js";
import { dayOf } from "./history-doc.js";
import type { HistoryStore } from "./history-store.js";
import {
  type ClosedPoint,
  type HistoryPoint,
  type LatestFigures,
  retentionMs,
  UsageBuckets,
} from "./usage-buckets.js";

/** What {@link UsageHistory} is built from. */
export interface UsageHistoryDeps {
  readonly store: HistoryStore;
  readonly now: () => Date;
  readonly log: Logger;
  /** Store writes per event-loop turn before yielding, so a bucket boundary at 10k clusters does not stall the hub. */
  readonly writesPerTurn?: number;
  /** Called after each closed point is stored (forecasts are recomputed then, not at decision time). */
  readonly onPointStored?: (clusterId: string, point: HistoryPoint) => void;
}

/**
 * Per-cluster free CPU, free memory and receive traffic, downsampled to
 * 5-minute points and kept 14 days for the forecaster. Reports are folded in
 * memory ({@link record} is cheap and synchronous); closed buckets go to a
 * queue that a background loop writes, a few per event-loop turn.
 */
export class UsageHistory {
  readonly #d: UsageHistoryDeps;
  readonly #buckets = new UsageBuckets();
  #queue: ClosedPoint[] = [];
  readonly #jobs: (() => Promise<void>)[] = [];
  #draining: Promise<void> | undefined;
  #prunedDay = "";
  #timer: NodeJS.Timeout | undefined;
  /** Points that could not be written (logged), for tests and metrics. */
  failedWrites = 0;

  constructor(deps: UsageHistoryDeps) {
    this.#d = deps;
  }

  /** Folds one report, received at hub time `at`, into the cluster's open bucket. */
  record(clusterId: string, report: NodeReport, at: Date): void {
    const closed = this.#buckets.add(clusterId, clusterFigures(report), at.getTime());
    if (closed) this.#enqueue([{ clusterId, point: closed }]);
  }

  /** The newest figures of a cluster, if it reported since the hub started. */
  latest(clusterId: string): LatestFigures | undefined {
    return this.#buckets.latest(clusterId);
  }

  /** Stored points of a cluster with `from <= at < to`, clipped to the retention window. */
  points(clusterId: string, from: Date, to: Date): Promise<HistoryPoint[]> {
    const oldest = this.#d.now().getTime() - retentionMs;
    return this.#d.store.read(clusterId, Math.max(from.getTime(), oldest), to.getTime());
  }

  /**
   * Closes the buckets of clusters that fell silent and, once per UTC day,
   * prunes history past the retention. {@link start} calls it every minute.
   */
  tick(): void {
    const now = this.#d.now().getTime();
    const due = this.#buckets.closeDue(now);
    if (due.length) this.#enqueue(due);
    const day = dayOf(now);
    if (day !== this.#prunedDay) {
      this.#prunedDay = day;
      this.#run(async () => {
        const n = await this.#d.store.prune(now, { between: yieldTurn });
        if (n) this.#d.log.info({ deleted: n }, "pruned usage history past 14 days");
      });
    }
  }

  /** Runs {@link tick} now and then every `intervalMs`. */
  start(intervalMs = 60_000): void {
    this.tick();
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for queued points to be written. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flushed();
  }

  /** Resolves once every queued write is done. */
  async flushed(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /** Drops a deleted cluster's figures and stored history. */
  forget(clusterId: string): void {
    this.#buckets.forget(clusterId);
    this.#queue = this.#queue.filter((c) => c.clusterId !== clusterId);
    const now = this.#d.now().getTime();
    this.#run(() => this.#d.store.forget(clusterId, now));
  }

  #enqueue(points: ClosedPoint[]): void {
    for (const p of points) this.#queue.push(p);
    this.#kick();
  }

  /** Queues maintenance to run after the queued writes. */
  #run(job: () => Promise<void>): void {
    this.#jobs.push(job);
    this.#kick();
  }

  /** Starts the background loop unless it runs; it restarts itself if work came in as it ended. */
  #kick(): void {
    if (this.#draining) return;
    this.#draining = this.#loop().finally(() => {
      this.#draining = undefined;
      if (this.#queue.length || this.#jobs.length) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    for (;;) {
      await this.#drain();
      const job = this.#jobs.shift();
      if (!job) return;
      try {
        await job();
      } catch (err) {
        this.#d.log.error({ err }, "usage history maintenance failed");
      }
    }
  }

  async #drain(): Promise<void> {
    const perTurn = this.#d.writesPerTurn ?? 5;
    let n = 0;
    while (this.#queue.length) {
      const batch = this.#queue;
      this.#queue = [];
      for (const item of batch) {
        try {
          await this.#d.store.write(item.clusterId, item.point);
          this.#d.onPointStored?.(item.clusterId, item.point);
        } catch (err) {
          this.failedWrites++;
          this.#d.log.error({ err, clusterId: item.clusterId }, "could not write a history point");
        }
        if (++n % perTurn === 0) await yieldTurn();
      }
    }
  }
}

/** Lets timers and I/O run: the SQLite store is synchronous under its promises. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
