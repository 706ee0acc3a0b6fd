import { createLogger } from "@smart-orchestrator/shared";
import test from "ava";
import type { HistoryPoint } from "../history/usage-buckets.js";
import { ClusterForecasts, forecastFromPoints } from "./cluster-forecasts.js";

const step = 5 * 60_000;
const day = 288;
const t0 = Date.parse("2026-03-01T00:00:00Z");
const Mi = 1024 * 1024;

/** Deterministic noise in [-1, 1). */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

const cpuTruth = (i: number) => 1000 + 500 * Math.sin((2 * Math.PI * i) / day);

function history(days: number, o: { rx?: boolean; usage?: boolean } = {}): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (let i = 0; i < days * day; i++) {
    out.push({
      at: t0 + i * step,
      cpuFreeMillis: 0,
      memoryFreeBytes: 0,
      rxBytesPerSecond: o.rx === false ? null : 5000 + 100 * noise(i + 7),
      cpuFreeMinMillis: 0,
      memoryFreeMinBytes: 0,
      rxMaxBytesPerSecond: null,
      samples: 30,
      cpuUsedMillis: o.usage === false ? null : cpuTruth(i) + 20 * noise(i),
      memoryUsedBytes: o.usage === false ? null : 2048 * Mi,
    });
  }
  return out;
}

test("the forecast holds the daily peak ahead, at p90, and the mean traffic", (t) => {
  const points = history(7);
  const f = forecastFromPoints(points, 6 * 3_600_000).forecast;
  if (!f) return t.fail("no forecast");
  const n = points.length;
  let peak = 0;
  for (let h = 1; h <= 72; h++) peak = Math.max(peak, cpuTruth(n - 1 + h));
  // The next 6 h climb towards the daily peak; p90 sits a little above the true peak.
  t.true(f.cpuUsedP90Millis >= peak, `p90 ${f.cpuUsedP90Millis} vs true peak ${peak}`);
  t.true(f.cpuUsedP90Millis < peak + 60, `p90 ${f.cpuUsedP90Millis} vs true peak ${peak}`);
  t.true(Math.abs(f.memoryUsedP90Bytes - 2048 * Mi) < Mi);
  t.true(Math.abs((f.rxMeanBytesPerSecond ?? 0) - 5000) < 60);
  t.is(f.horizonMs, 6 * 3_600_000);
});

test("no forecast from too little or usage-less history; traffic may be missing alone", (t) => {
  t.is(forecastFromPoints(history(1), 6 * 3_600_000).forecast, undefined);
  t.is(forecastFromPoints(history(4, { usage: false }), 6 * 3_600_000).forecast, undefined);
  t.is(forecastFromPoints([], 6 * 3_600_000).forecast, undefined);
  const f = forecastFromPoints(history(4, { rx: false }), 3_600_000).forecast;
  t.is(f?.rxMeanBytesPerSecond, null);
  t.is(f?.horizonMs, 3_600_000);
});

test("forecasts are recomputed when a point is stored and only read at decision time", async (t) => {
  const points = history(5);
  let reads = 0;
  const forecasts = new ClusterForecasts({
    history: {
      points: async (id) => {
        reads++;
        return id === "c1" ? points : [];
      },
    },
    horizonMs: 6 * 3_600_000,
    now: () => new Date(t0 + points.length * step),
    log: createLogger({ name: "test", level: "silent" }),
  });
  t.is(forecasts.forecast("c1"), undefined);
  forecasts.pointStored("c1");
  forecasts.pointStored("c2");
  await forecasts.settled();
  t.is(reads, 2);
  t.truthy(forecasts.forecast("c1"));
  t.is(forecasts.forecast("c2"), undefined);
  for (let i = 0; i < 5; i++) forecasts.forecast("c1");
  t.is(reads, 2, "reading a forecast does not touch the history");
  t.is(forecasts.fits, 2);
  // The next point: a fresh forecast from the kept models, no new fit within the hour.
  forecasts.pointStored("c1");
  await forecasts.settled();
  t.is(reads, 3);
  t.is(forecasts.fits, 2);
  t.truthy(forecasts.forecast("c1"));
  forecasts.forget("c1");
  t.is(forecasts.forecast("c1"), undefined);
});
