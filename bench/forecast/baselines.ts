/**
 * The four baselines the forecaster is scored against, each forecasting
 * y[t + h] from y[0..t] only.
 */
const day = 288;
const hour = 12;

/** Per baseline, the forecast for each origin; NaN where it has nothing to say. */
export function baselines(
  y: Float64Array,
  origins: readonly number[],
  h: number,
): Record<string, Float64Array> {
  const naive = new Float64Array(origins.length);
  const seasonal = new Float64Array(origins.length);
  const ses = new Float64Array(origins.length);
  const med = new Float64Array(origins.length);
  // Exponential smoothing (alpha 0.1) run once over the whole series; level[t] uses y[0..t].
  const level = new Float64Array(y.length);
  let l = Number.NaN;
  for (let t = 0; t < y.length; t++) {
    const v = y[t] as number;
    if (!Number.isNaN(v)) l = Number.isNaN(l) ? v : 0.1 * v + 0.9 * l;
    level[t] = l;
  }
  origins.forEach((t, i) => {
    naive[i] = lastKnown(y, t);
    // Same time the previous day: the newest y[t + h − k·day] that is known by t.
    let k = 1;
    while (t + h - k * day > t) k++;
    seasonal[i] = y[t + h - k * day] ?? Number.NaN;
    ses[i] = level[t] as number;
    const w = [...y.subarray(Math.max(0, t - hour + 1), t + 1)]
      .filter((v) => !Number.isNaN(v))
      .sort((a, b) => a - b);
    med[i] = w.length
      ? w.length % 2
        ? (w[(w.length - 1) / 2] as number)
        : ((w[w.length / 2 - 1] as number) + (w[w.length / 2] as number)) / 2
      : Number.NaN;
  });
  return { naive, "seasonal-naive": seasonal, "exp-smoothing": ses, "median-1h": med };
}

function lastKnown(y: Float64Array, t: number): number {
  for (let i = t; i >= 0; i--) if (!Number.isNaN(y[i] as number)) return y[i] as number;
  return Number.NaN;
}
