/**
 * bench/forecast: how well the placement forecaster predicts real CPU use.
 *
 * For each trace (CSV `timestamp,value`, 5-minute steps with irregular
 * timestamps and gaps): resample onto a 5-minute grid, fit on the first 70%,
 * then forecast by rolling origin over the rest at 1 h and 6 h. Prints per
 * series and horizon the MAE ratio ours / best of four baselines (naive,
 * seasonal-naive one day back, exponential smoothing alpha 0.1, median of the
 * last hour), the p90 coverage, and the fit+predict time of one 4,000-point
 * series. Asserts nothing.
 *
 *   npm run bench -- forecast [--traces <dir>]   (default ../shared/data/cpu-traces/)
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import {
  fitAndForecast,
  fitForecaster,
  forecastAt,
} from "../../control-plane/src/placement/forecaster.js";
import { resample, type Sample } from "../../control-plane/src/placement/resample.js";
import { baselines } from "./baselines.js";

const stepMs = 5 * 60_000;
const horizons = [
  { label: "1h", steps: 12 },
  { label: "6h", steps: 72 },
] as const;

function tracesDir(): string {
  const i = process.argv.indexOf("--traces");
  const dir = i >= 0 ? process.argv[i + 1] : undefined;
  return resolve(
    dir ?? join(import.meta.dirname, "..", "..", "..", "shared", "data", "cpu-traces"),
  );
}

function readTrace(path: string): Sample[] {
  const out: Sample[] = [];
  for (const line of readFileSync(path, "utf8").split("\n").slice(1)) {
    const [ts, v] = line.split(",");
    if (!ts || v === undefined) continue;
    const at = Date.parse(`${ts.trim().replace(" ", "T")}Z`);
    const value = Number(v);
    if (Number.isFinite(at) && Number.isFinite(value)) out.push({ at, value });
  }
  return out.sort((a, b) => a.at - b.at);
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");

const dir = tracesDir();
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".csv"))
  .sort();
console.log(`traces: ${dir} (${files.length} series)`);
console.log(`machine: ${cpus()[0]?.model ?? "?"} × ${cpus().length}, node ${process.version}`);
console.log(
  "series                          points  h   ours MAE  best baseline          ratio  p90 cov",
);

const ratios: Record<string, number[]> = { "1h": [], "6h": [] };
const covered: Record<string, [number, number]> = { "1h": [0, 0], "6h": [0, 0] };
let timingSeries: Float64Array | undefined;

for (const file of files) {
  const series = resample(readTrace(join(dir, file)), stepMs).values;
  timingSeries ??= series;
  const split = Math.floor(series.length * 0.7);
  const model = fitForecaster(series.subarray(0, split), 72);
  if (!model) {
    console.log(`${basename(file)}: too short (${series.length} points), skipped`);
    continue;
  }
  for (const { label, steps } of horizons) {
    const origins: number[] = [];
    for (let t = split - 1; t + steps < series.length; t++) {
      if (!Number.isNaN(series[t + steps] as number)) origins.push(t);
    }
    const ours = forecastAt(model, series, origins, steps);
    const base = baselines(series, origins, steps);
    let oursAbs = 0;
    let n = 0;
    let cov = 0;
    const baseAbs = new Map<string, number>(Object.keys(base).map((k) => [k, 0]));
    origins.forEach((t, i) => {
      const actual = series[t + steps] as number;
      const values = Object.values(base).map((b) => b[i] as number);
      if (values.some(Number.isNaN) || Number.isNaN(ours.central[i] as number)) return;
      n++;
      oursAbs += Math.abs(actual - (ours.central[i] as number));
      if (actual <= (ours.p90[i] as number)) cov++;
      for (const [k, b] of Object.entries(base)) {
        baseAbs.set(k, (baseAbs.get(k) as number) + Math.abs(actual - (b[i] as number)));
      }
    });
    const [bestName, bestAbs] = [...baseAbs].sort((a, b) => a[1] - b[1])[0] as [string, number];
    const ratio = oursAbs / bestAbs;
    ratios[label]?.push(ratio);
    const c = covered[label] as [number, number];
    c[0] += cov;
    c[1] += n;
    console.log(
      `${basename(file).padEnd(31)} ${String(series.length).padStart(6)} ${label} ${fmt(oursAbs / n, 4).padStart(10)}  ${`${bestName} ${fmt(bestAbs / n, 4)}`.padEnd(21)} ${fmt(ratio).padStart(6)}  ${fmt((100 * cov) / n, 1).padStart(6)}%`,
    );
  }
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const pct = (c: [number, number]) => (100 * c[0]) / c[1];
console.log(`mean ratio: 1h ${fmt(mean(ratios["1h"] ?? []))}, 6h ${fmt(mean(ratios["6h"] ?? []))}`);

// Fit + a full 6 h forecast on one 4,000-point series, warm, median of 30 runs. CPU time is
// printed beside wall time because this machine is shared: wall time there includes waiting.
if (timingSeries) {
  const s = timingSeries.slice(0, 4000);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 35; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fitAndForecast(s, 72);
    const c = process.cpuUsage(c0);
    if (i < 5) continue;
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
  console.log(
    `fit+predict, one ${s.length}-point series, 72 steps: median ${fmt(med(cpu), 1)} ms CPU, ${fmt(med(wall), 1)} ms wall (load average ${loadavg()[0]?.toFixed(1)})`,
  );
}
console.log(
  `forecast: 1h ratio ${fmt(mean(ratios["1h"] ?? []))}, 6h ratio ${fmt(mean(ratios["6h"] ?? []))}, p90 coverage 1h ${fmt(pct(covered["1h"] as [number, number]), 1)}%, 6h ${fmt(pct(covered["6h"] as [number, number]), 1)}%`,
);
