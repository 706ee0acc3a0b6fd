/**
 * Usage forecaster for 5-minute series: a central value (median) and a p90
 * for every step up to the horizon.
 *
 * Method (a combination of simple forecasts, the lesson of the M
 * competitions); the weights are fitted on the series' own past:
 * - six simple forecasts of y[t+h], all known at t: the last value, the
 *   median of the last hour, exponential smoothing (alpha 0.1), the same time
 *   the previous day, the daily shape (median of the same time ±10 minutes on
 *   up to the last 7 days) moved to the last hour's level, and the mean of the
 *   last day;
 * - per lead time, weights that combine them as offsets from the last value,
 *   fitted by least absolute deviation (IRLS; the error measured is the MAE,
 *   and the LAD fit is already a median forecast); with no intercept, a level
 *   shift is followed at once rather than pulled back to the training mean;
 * - the p90 is the central value plus the 90th percentile of the fitted
 *   residuals at that lead time.
 * Lead times are fitted at knots and interpolated, which keeps a 4,000-point
 * fit and forecast fast. Missing points are NaN.
 */

/** Steps per day at 5-minute resolution. */
export const stepsPerDay = 288;

/** Fitted parameters of one series. */
export interface ForecastModel {
  readonly horizon: number;
  /** Lead times the weights and quantiles were fitted at, ascending, last = horizon. */
  readonly knots: readonly number[];
  /** Per knot, one weight per component (offsets from the last value). */
  readonly weights: readonly Float64Array[];
  /** Per knot: p90 of the out-of-sample errors, added to the central value. */
  readonly q90: readonly number[];
}

/** A forecast from one origin: per step 1..horizon. */
export interface Forecast {
  readonly central: Float64Array;
  readonly p90: Float64Array;
}

/** Lead times fitted exactly (geometric); the ones between are interpolated. */
const allKnots = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** The daily components need the same time one day back to be known. */
export const maxHorizon = stepsPerDay - 12;
const hour = 12;
/** Fewest points a model is fitted on: a day for the daily components plus a day of origins. */
export const minPoints = 2 * stepsPerDay;
/** Bound on IRLS rounds; they usually settle (weights move < 0.001) well before. */
const maxIterations = 15;
/** Components besides the last value. */
const k = 5;

/** Per-series state shared by fitting and forecasting; every array at t uses y[0..t] only. */
interface Prepared {
  readonly y: Float64Array;
  readonly last: Float64Array;
  readonly hourMedian: Float64Array;
  readonly es: Float64Array;
  readonly dayMean: Float64Array;
  /** shape[τ]: median of y at τ − kP + j, k = 1..7, j = −2..2 (known a day ahead). */
  readonly shape: Float64Array;
}

function prepare(y: Float64Array): Prepared {
  const n = y.length;
  const last = new Float64Array(n);
  const es = new Float64Array(n);
  const hourMedian = new Float64Array(n);
  let l = Number.NaN;
  let e = Number.NaN;
  const win = new Float64Array(hour);
  for (let t = 0; t < n; t++) {
    const v = y[t] as number;
    if (!Number.isNaN(v)) {
      l = v;
      e = Number.isNaN(e) ? v : 0.1 * v + 0.9 * e;
    }
    last[t] = l;
    es[t] = e;
    let m = 0;
    for (let i = Math.max(0, t - hour + 1); i <= t; i++) {
      const w = y[i] as number;
      if (!Number.isNaN(w)) win[m++] = w;
    }
    hourMedian[t] = m ? median(win.subarray(0, m)) : l;
  }
  const shape = new Float64Array(n + maxHorizon).fill(Number.NaN);
  const buf = new Float64Array(35);
  for (let tau = stepsPerDay; tau < n + maxHorizon; tau++) {
    let m = 0;
    for (let d = 1; d <= 7; d++) {
      const c = tau - d * stepsPerDay;
      if (c - 2 < 0) break;
      for (let j = -2; j <= 2; j++) {
        const i = c + j;
        if (i < n && !Number.isNaN(y[i] as number)) buf[m++] = y[i] as number;
      }
    }
    if (m) shape[tau] = median(buf.subarray(0, m));
  }
  return { y, last, hourMedian, es, dayMean: trailingMean(y, stepsPerDay), shape };
}

function trailingMean(y: Float64Array, w: number): Float64Array {
  const out = new Float64Array(y.length).fill(Number.NaN);
  let sum = 0;
  let count = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t] as number;
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
    const old = t - w;
    if (old >= 0 && !Number.isNaN(y[old] as number)) {
      sum -= y[old] as number;
      count--;
    }
    if (count) out[t] = sum / count;
  }
  return out;
}

/**
 * The components at origin t for lead h, as offsets from the last value, into
 * `out`; a component with nothing to say (history too short, a gap) is 0,
 * i.e. it agrees with the last value. Returns the last value.
 */
function components(p: Prepared, t: number, h: number, out: Float64Array): number {
  const base = p.last[t] as number;
  const hm = p.hourMedian[t] as number;
  const prevDay = t + h - stepsPerDay >= 0 ? (p.y[t + h - stepsPerDay] as number) : Number.NaN;
  const shapeNow = p.shape[t] as number;
  const shapeThen = p.shape[t + h] as number;
  out[0] = hm - base;
  out[1] = (p.es[t] as number) - base;
  out[2] = prevDay - base;
  out[3] = hm + shapeThen - shapeNow - base;
  out[4] = (p.dayMean[t] as number) - base;
  for (let i = 0; i < k; i++) if (Number.isNaN(out[i] as number)) out[i] = 0;
  return base;
}

const scratch = new Float64Array(k);

function predictOne(p: Prepared, t: number, h: number, w: Float64Array): number {
  const base = components(p, t, h, scratch);
  let s = base;
  for (let i = 0; i < k; i++) s += (w[i] as number) * (scratch[i] as number);
  return s;
}

/**
 * Least-absolute-deviation weights at lead h over origins from..to−1 (target
 * t + h < to), by iteratively reweighted least squares with a small ridge.
 */
function fitWeights(p: Prepared, h: number, from: number, to: number): Float64Array {
  const rows: number[] = [];
  // Every other origin: neighbouring origins share almost all their information.
  for (let t = from; t + h < to; t += 2) {
    if (!Number.isNaN(p.y[t + h] as number) && !Number.isNaN(p.last[t] as number)) rows.push(t);
  }
  const n = rows.length;
  const x = new Float64Array(n * k);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = rows[i] as number;
    const base = components(p, t, h, scratch);
    x.set(scratch, i * k);
    r[i] = (p.y[t + h] as number) - base;
  }
  let w: Float64Array = new Float64Array(k);
  if (n < 20) return w;
  const wt = new Float64Array(n).fill(1);
  // The products x_c·x_d (upper triangle, 15 per row) do not change between rounds.
  const pairs = (k * (k + 1)) / 2;
  const xx = new Float64Array(n * pairs);
  for (let i = 0; i < n; i++) {
    let q = i * pairs;
    for (let c = 0; c < k; c++) {
      const xc = x[i * k + c] as number;
      for (let d = c; d < k; d++) xx[q++] = xc * (x[i * k + d] as number);
    }
  }
  let scale = 0;
  for (let i = 0; i < n; i++) scale += Math.abs(r[i] as number);
  const eps = Math.max(1e-9, (scale / n) * 1e-3);
  const sums = new Float64Array(pairs);
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  // IRLS converges slowly toward the LAD solution; stop when the weights settle.
  for (let iter = 0; iter < maxIterations; iter++) {
    sums.fill(0);
    b.fill(0);
    for (let i = 0; i < n; i++) {
      const wi = wt[i] as number;
      const wr = wi * (r[i] as number);
      const q = i * pairs;
      for (let j = 0; j < pairs; j++) sums[j] = (sums[j] as number) + wi * (xx[q + j] as number);
      const o = i * k;
      for (let c = 0; c < k; c++) b[c] = (b[c] as number) + wr * (x[o + c] as number);
    }
    let q = 0;
    let diag = 0;
    for (let c = 0; c < k; c++) {
      for (let d = c; d < k; d++) {
        const v = sums[q++] as number;
        a[c * k + d] = v;
        a[d * k + c] = v;
      }
      diag += a[c * k + c] as number;
    }
    // Ridge toward "no change from the last value" keeps collinear components stable.
    const lam = 1e-3 * (diag / k + 1e-12);
    for (let c = 0; c < k; c++) a[c * k + c] = (a[c * k + c] as number) + lam;
    const prev = w;
    w = solve(a, b);
    let change = 0;
    for (let c = 0; c < k; c++) {
      change = Math.max(change, Math.abs((w[c] as number) - (prev[c] as number)));
    }
    if (iter > 0 && change < 1e-3) break;
    for (let i = 0; i < n; i++) {
      const o = i * k;
      let pred = 0;
      for (let c = 0; c < k; c++) pred += (w[c] as number) * (x[o + c] as number);
      wt[i] = 1 / Math.max(eps, Math.abs((r[i] as number) - pred));
    }
  }
  return w;
}

/**
 * Fits a model on a regular 5-minute series (NaN for gaps). Returns
 * undefined when there are fewer than {@link minPoints} points.
 */
export function fitForecaster(
  series: ArrayLike<number>,
  horizon: number,
): ForecastModel | undefined {
  const y = Float64Array.from(series);
  return y.length < minPoints ? undefined : fitPrepared(prepare(y), horizon);
}

/**
 * Fits on `series` and forecasts from its last point in one go (one
 * preparation): what runs when a 5-minute bucket closes.
 */
export function fitAndForecast(series: ArrayLike<number>, horizon: number): Forecast | undefined {
  const y = Float64Array.from(series);
  if (y.length < minPoints) return undefined;
  const p = prepare(y);
  return forecastPrepared(fitPrepared(p, horizon), p, y.length - 1);
}

function fitPrepared(p: Prepared, horizon: number): ForecastModel {
  const y = p.y;
  const n = y.length;
  const H = Math.max(1, Math.min(horizon, maxHorizon));
  const knots = [...allKnots.filter((h) => h < H), H];
  const start = stepsPerDay;
  const q90: number[] = [];
  const weights: Float64Array[] = [];
  for (const h of knots) {
    const w = fitWeights(p, h, start, n);
    weights.push(w);
    // With five weights on thousands of origins, in-sample errors are about as wide as
    // out-of-sample ones (bench/forecast: the band covered 93-94% of the last 30%).
    const errs: number[] = [];
    for (let t = start; t + h < n; t++) {
      const actual = y[t + h] as number;
      if (!Number.isNaN(actual) && !Number.isNaN(p.last[t] as number)) {
        errs.push(actual - predictOne(p, t, h, w));
      }
    }
    q90.push(errs.length ? quantile(Float64Array.from(errs), 0.9) : 0);
  }
  return { horizon: H, knots, weights, q90 };
}

/**
 * Forecasts steps 1..horizon after point `origin` of `series` (default the
 * last point). Only y[0..origin] is read.
 */
export function forecast(
  model: ForecastModel,
  series: ArrayLike<number>,
  origin = series.length - 1,
): Forecast {
  return forecastPrepared(model, prepare(Float64Array.from(series)), origin);
}

function forecastPrepared(model: ForecastModel, p: Prepared, origin: number): Forecast {
  const central = new Float64Array(model.horizon);
  const p90 = new Float64Array(model.horizon);
  for (let h = 1; h <= model.horizon; h++) {
    const at = interpolate(model, h);
    const c = predictOne(p, origin, h, at.w);
    central[h - 1] = c;
    p90[h - 1] = c + at.q90;
  }
  return { central, p90 };
}

/** Rolling-origin forecasts at one lead time for many origins, sharing the preparation. */
export function forecastAt(
  model: ForecastModel,
  series: ArrayLike<number>,
  origins: readonly number[],
  h: number,
): Forecast {
  const p = prepare(Float64Array.from(series));
  const central = new Float64Array(origins.length);
  const p90 = new Float64Array(origins.length);
  const at = interpolate(model, h);
  origins.forEach((t, i) => {
    const c = predictOne(p, t, h, at.w);
    central[i] = c;
    p90[i] = c + at.q90;
  });
  return { central, p90 };
}

function interpolate(model: ForecastModel, h: number): { w: Float64Array; q90: number } {
  const knots = model.knots;
  let hi = knots.findIndex((x) => x >= h);
  if (hi < 0) hi = knots.length - 1;
  const lo = Math.max(0, hi - 1);
  const a = knots[lo] as number;
  const b = knots[hi] as number;
  const f = b === a ? 1 : Math.min(1, Math.max(0, (h - a) / (b - a)));
  const wl = model.weights[lo] as Float64Array;
  const wh = model.weights[hi] as Float64Array;
  const w = new Float64Array(k);
  for (let i = 0; i < k; i++) w[i] = (wl[i] as number) * (1 - f) + (wh[i] as number) * f;
  const mix = (v: readonly number[]) => (v[lo] as number) * (1 - f) + (v[hi] as number) * f;
  return { w, q90: mix(model.q90) };
}

/** Solves the symmetric system a·x = b (k×k, row-major) by Gaussian elimination. */
function solve(a: Float64Array, b: Float64Array): Float64Array {
  const m = a.slice();
  const v = b.slice();
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) {
      if (Math.abs(m[r * k + c] as number) > Math.abs(m[piv * k + c] as number)) piv = r;
    }
    if (piv !== c) {
      for (let j = 0; j < k; j++) {
        const tmp = m[c * k + j] as number;
        m[c * k + j] = m[piv * k + j] as number;
        m[piv * k + j] = tmp;
      }
      const tmp = v[c] as number;
      v[c] = v[piv] as number;
      v[piv] = tmp;
    }
    const d = m[c * k + c] as number;
    if (Math.abs(d) < 1e-300) return new Float64Array(k);
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = (m[r * k + c] as number) / d;
      if (f === 0) continue;
      for (let j = c; j < k; j++)
        m[r * k + j] = (m[r * k + j] as number) - f * (m[c * k + j] as number);
      v[r] = (v[r] as number) - f * (v[c] as number);
    }
  }
  const x = new Float64Array(k);
  for (let i = 0; i < k; i++) x[i] = (v[i] as number) / (m[i * k + i] as number);
  return x;
}

/** The median of a small array (sorted in place; insertion sort beats the built-in sort at this size). */
function median(a: Float64Array): number {
  for (let i = 1; i < a.length; i++) {
    const v = a[i] as number;
    let j = i - 1;
    while (j >= 0 && (a[j] as number) > v) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = v;
  }
  const n = a.length;
  return n % 2
    ? (a[(n - 1) >> 1] as number)
    : ((a[n / 2 - 1] as number) + (a[n / 2] as number)) / 2;
}

/** The q-quantile (linear interpolation) of `a`, sorted in place. */
export function quantile(a: Float64Array, q: number): number {
  a.sort();
  const pos = (a.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (a[lo] as number) + ((a[hi] as number) - (a[lo] as number)) * (pos - lo);
}
