import test from "ava";
import { fitAndForecast, fitForecaster, forecast, minPoints, stepsPerDay } from "./forecaster.js";

/** A seeded PRNG (mulberry32), so every run sees the same series. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller). */
function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** level + amp·sin(daily) + N(0, sigma), over `days` days. */
function seasonal(o: {
  days: number;
  level: number;
  amp: number;
  sigma: number;
  seed: number;
}): Float64Array {
  const r = rng(o.seed);
  const n = o.days * stepsPerDay;
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    y[t] = truth(o, t) + o.sigma * gauss(r);
  }
  return y;
}

function truth(o: { level: number; amp: number }, t: number): number {
  return o.level + o.amp * Math.sin((2 * Math.PI * t) / stepsPerDay);
}

test("a noiseless daily cycle is forecast almost exactly, 6 h ahead", (t) => {
  for (const [level, amp] of [
    [50, 20],
    [2000, 500],
    [1, 0.5],
  ] as const) {
    const o = { days: 10, level, amp, sigma: 0, seed: 1 };
    const y = seasonal(o);
    const f = fitAndForecast(y, 72);
    if (!f) return t.fail("no forecast");
    for (let h = 1; h <= 72; h++) {
      const want = truth(o, y.length - 1 + h);
      // Exact at the fitted lead times; between them the weights are interpolated.
      t.true(Math.abs((f.central[h - 1] as number) - want) < amp * 0.025, `h=${h} amp=${amp}`);
      t.true((f.p90[h - 1] as number) >= (f.central[h - 1] as number) - 1e-9);
    }
  }
});

test("with noise, the central value errs like the noise and the p90 covers about 90% of what comes", (t) => {
  let covered = 0;
  let total = 0;
  let abs = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const sigma = 3;
    const o = { days: 12, level: 40, amp: 15, sigma, seed };
    const y = seasonal(o);
    const train = y.subarray(0, 10 * stepsPerDay);
    const model = fitForecaster(train, 72);
    if (!model) return t.fail("no model");
    // Origins every hour over the last two days, on data the model was not fitted on.
    for (let origin = train.length - 1; origin + 72 < y.length; origin += 12) {
      const f = forecast(model, y.subarray(0, origin + 1));
      for (const h of [1, 12, 72]) {
        const actual = y[origin + h] as number;
        abs += Math.abs(actual - (f.central[h - 1] as number));
        if (actual <= (f.p90[h - 1] as number)) covered++;
        total++;
      }
    }
  }
  const coverage = covered / total;
  const mae = abs / total;
  // The best possible MAE is that of the noise itself: sigma·√(2/π) ≈ 2.39.
  t.true(mae < 2.39 * 1.25, `MAE ${mae.toFixed(3)}`);
  t.true(coverage > 0.84 && coverage < 0.96, `coverage ${(coverage * 100).toFixed(1)}%`);
});

test("a random walk is forecast by its last value, with a p90 band widening as √h", (t) => {
  const r = rng(11);
  const y = new Float64Array(8 * stepsPerDay);
  let v = 100;
  for (let i = 0; i < y.length; i++) {
    v += gauss(r);
    y[i] = v;
  }
  const f = fitAndForecast(y, 64);
  if (!f) return t.fail("no forecast");
  const last = y[y.length - 1] as number;
  // The best forecast of a random walk is its last value, at every lead time.
  t.true(Math.abs((f.central[0] as number) - last) < 0.5, `h=1: ${f.central[0]} vs ${last}`);
  t.true(Math.abs((f.central[63] as number) - last) < 3, `h=64: ${f.central[63]} vs ${last}`);
  // p90 − central ≈ 1.28·√h: 1.28 at h=1, 10.3 at h=64, a ratio of 8.
  const w1 = (f.p90[0] as number) - (f.central[0] as number);
  const w64 = (f.p90[63] as number) - (f.central[63] as number);
  t.true(w1 > 0.9 && w1 < 1.7, `width at h=1: ${w1}`);
  t.true(w64 / w1 > 5 && w64 / w1 < 11, `width ratio: ${w64 / w1}`);
});

test("a constant series forecasts the constant; gaps and short series are handled", (t) => {
  const flat = new Float64Array(3 * stepsPerDay).fill(5);
  const f = fitAndForecast(flat, 72);
  t.truthy(f);
  for (const v of f?.central ?? []) t.true(Math.abs(v - 5) < 1e-9);
  for (const v of f?.p90 ?? []) t.true(Math.abs(v - 5) < 1e-9);
  t.is(fitAndForecast(new Float64Array(minPoints - 1).fill(1), 72), undefined);
  const gappy = seasonal({ days: 5, level: 10, amp: 4, sigma: 0.2, seed: 3 });
  for (let i = 500; i < 800; i++) gappy[i] = Number.NaN;
  gappy[gappy.length - 1] = Number.NaN;
  const g = fitAndForecast(gappy, 12);
  t.is(g?.central.length, 12);
  for (const v of g?.central ?? []) t.true(Number.isFinite(v) && Math.abs(v - 10) < 6);
});
