import type { Logger } from "@smart-orchestrator/shared";
import type { HistoryPoint } from "../history/usage-buckets.js";
import {
  type Forecast,
  type ForecastModel,
  fitForecaster,
  forecast,
  maxHorizon,
  minPoints,
} from "./forecaster.js";
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
  /** How long a fitted model is reused before it is fitted again (default 1 h); forecasts are made at every point. */
  readonly refitEveryMs?: number;
}

/** The fitted models of one cluster's series. */
export interface SeriesModels {
  readonly cpu?: ForecastModel;
  readonly mem?: ForecastModel;
  readonly rx?: ForecastModel;
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
  readonly #models = new Map<string, { at: number; models: SeriesModels }>();
  /** Model fits done, for tests and metrics. */
  fits = 0;
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
    this.#models.delete(clusterId);
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
    // Fitting is most of the cost; the models are kept and refitted hourly, forecasts are fresh.
    const kept = this.#models.get(clusterId);
    // A cluster without models yet (too little history) is tried again at every point.
    const fresh = kept?.models.cpu && now - kept.at < (this.#d.refitEveryMs ?? 3_600_000);
    const out = forecastFromPoints(points, this.#d.horizonMs, fresh ? kept?.models : undefined);
    if (!fresh) {
      this.fits++;
      this.#models.set(clusterId, { at: now, models: out.models });
    }
    if (out.forecast) this.#forecasts.set(clusterId, out.forecast);
    else this.#forecasts.delete(clusterId);
  }
}

/**
 * A cluster forecast from its history points: the peak over the horizon of
 * the p90 of used CPU and memory, and the mean of the central traffic
 * forecast; undefined when used CPU or memory has too little history. With
 * `models`, those are used instead of fitting new ones (which are returned).
 */
export function forecastFromPoints(
  points: readonly HistoryPoint[],
  horizonMs: number,
  models?: SeriesModels,
): { forecast: ClusterForecast | undefined; models: SeriesModels } {
  const none = { forecast: undefined, models: {} };
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return none;
  const n = (last.at - first.at) / stepMs + 1;
  if (n < minPoints) return none;
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
  const fitted: { cpu?: ForecastModel; mem?: ForecastModel; rx?: ForecastModel } = {};
  const run = (key: keyof SeriesModels, y: Float64Array): Forecast | undefined => {
    if (!enough(y)) return undefined;
    const model = models ? models[key] : fitForecaster(y, steps);
    if (!model || model.horizon !== steps) return undefined;
    fitted[key] = model;
    return forecast(model, y);
  };
  const c = run("cpu", cpu);
  const m = run("mem", mem);
  const r = run("rx", rx);
  if (!c || !m) return { forecast: undefined, models: fitted };
  return {
    forecast: {
      cpuUsedP90Millis: Math.max(0, Math.round(peak(c.p90))),
      memoryUsedP90Bytes: Math.max(0, Math.round(peak(m.p90))),
      rxMeanBytesPerSecond: r ? Math.max(0, mean(r.central)) : null,
      horizonMs: steps * stepMs,
    },
    models: fitted,
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
