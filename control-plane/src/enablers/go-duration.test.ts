import test from "ava";
import { formatGoDuration, parseGoDuration } from "./go-duration.js";

test("Go durations parse as Go parses them", (t) => {
  t.is(parseGoDuration("5m0s"), 300_000);
  t.is(parseGoDuration("90s"), 90_000);
  t.is(parseGoDuration("1h30m"), 5_400_000);
  t.is(parseGoDuration("1.5s"), 1500);
  t.is(parseGoDuration("250ms"), 250);
  t.is(parseGoDuration("0"), 0);
  for (const bad of ["", "5", "5 m", "-5s", "5d", "m", "5m0", "1e3s"]) {
    t.is(parseGoDuration(bad), undefined, bad);
  }
});

test("formatting round-trips through the parser", (t) => {
  for (const ms of [0, 250, 1500, 30_000, 300_000, 5_400_000]) {
    t.is(parseGoDuration(formatGoDuration(ms)), ms);
  }
  t.is(formatGoDuration(300_000), "5m0s");
});
