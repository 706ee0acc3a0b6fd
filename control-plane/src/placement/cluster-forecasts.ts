import type { Logger } from "@smart-orchestrator/shared";
import type { HistoryPoint } from "../history/usage-buckets.js";
import { fitAndForecast, maxHorizon, minPoints } from "./forecaster.js";
import type { ClusterForecast, ForecastSource } from "./scheduler.js";

/** The usage history the forecasts read: the stored 5-minute points of a cluster. */
export interface UsagePoints {
  points(clusterId: string, from: Date, to: Date): Promise<HistoryPoint[]>;
}

/** What {@link ClusterForecasts} is built from. */
export interface ClusterForecastsDeps {
  readonly history: UsagePoints;
  readonly horizonMs: number;
  readonly now: () => Date;
  readonly log: Logger;
}

const stepMs = 5 * 60_000;
/** Two weeks of points: what the history keeps. */
const windowMs = 14 * 24 * 3_600_000;

/**
 * Per-cluster usage forecasts over the deployment horizon, recomputed in the
 * background when a 5-minute point of that cluster is stored, so a placement
 * decision only reads a map. One cluster is refreshed at a time and the loop
 * yields between clusters, so a bucket boundary across thousands of clusters
 * does not stall the hub.
 */
export class ClusterForecasts implements ForecastSource {
  readonly #d: ClusterForecastsDeps;
  readonly #forecasts = new Map<string, ClusterForecast>();
  readonly #pending = new Set<string>();
  #running: Promise<void> | undefined;
  /** Refreshes that failed (logged), for tests and metrics. */
  failures = 0;

  constructor(deps: ClusterForecastsDeps) {
    this.#d = deps;
  }

  /** The latest forecast of a cluster, if its history is long enough (2 days). */
  forecast(clusterId: string): ClusterForecast | undefined {
    return this.#forecasts.get(clusterId);
  }

  /** Queues a refresh of one cluster (called when one of its points is stored). */
  pointStored(clusterId: string): void {
    this.#pending.add(clusterId);
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Resolves once every queued refresh is done. */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Drops a deleted cluster. */
  forget(clusterId: string): void {
    this.#pending.delete(clusterId);
    this.#forecasts.delete(clusterId);
  }

  async #loop(): Promise<void> {
    for (const id of this.#pending) {
      this.#pending.delete(id);
      try {
        await this.refresh(id);
      } catch (err) {
        this.failures++;
        this.#d.log.error({ err, clusterId: id }, "could not forecast a cluster's usage");
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Recomputes one cluster's forecast from its stored history now. */
  async refresh(clusterId: string): Promise<void> {
    const now = this.#d.now().getTime();
    const to = now - (now % stepMs) + stepMs;
    const points = await this.#d.history.points(clusterId, new Date(to - windowMs), new Date(to));
    const f = forecastFromPoints(points, this.#d.horizonMs);
    if (f) this.#forecasts.set(clusterId, f);
    else this.#forecasts.delete(clusterId);
  }
}

/**
 * A cluster forecast from its history points: the peak over the horizon of
 * the p90 of used CPU and memory, and the mean of the central traffic
 * forecast. Undefined when used CPU or memory has too little history.
 */
export function forecastFromPoints(
  points: readonly HistoryPoint[],
  horizonMs: number,
): ClusterForecast | undefined {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return undefined;
  const n = (last.at - first.at) / stepMs + 1;
  if (n < minPoints) return undefined;
  const cpu = new Float64Array(n).fill(Number.NaN);
  const mem = new Float64Array(n).fill(Number.NaN);
  const rx = new Float64Array(n).fill(Number.NaN);
  for (const p of points) {
    const i = (p.at - first.at) / stepMs;
    if (p.cpuUsedMillis !== null) cpu[i] = p.cpuUsedMillis;
    if (p.memoryUsedBytes !== null) mem[i] = p.memoryUsedBytes;
    if (p.rxBytesPerSecond !== null) rx[i] = p.rxBytesPerSecond;
  }
  const steps = Math.min(maxHorizon, Math.max(1, Math.round(horizonMs / stepMs)));
  const c = enough(cpu) ? fitAndForecast(cpu, steps) : undefined;
  const m = enough(mem) ? fitAndForecast(mem, steps) : undefined;
  if (!c || !m) return undefined;
  const r = enough(rx) ? fitAndForecast(rx, steps) : undefined;
  return {
    cpuUsedP90Millis: Math.max(0, Math.round(peak(c.p90))),
    memoryUsedP90Bytes: Math.max(0, Math.round(peak(m.p90))),
    rxMeanBytesPerSecond: r ? Math.max(0, mean(r.central)) : null,
    horizonMs: steps * stepMs,
  };
}

/** At least half the points known: a series mostly of gaps says little. */
function enough(y: Float64Array): boolean {
  let known = 0;
  for (const v of y) if (!Number.isNaN(v)) known++;
  return known >= minPoints && known * 2 >= y.length;
}

function peak(a: Float64Array): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of a) if (v > m) m = v;
  return m;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}
