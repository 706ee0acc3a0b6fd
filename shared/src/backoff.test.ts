import test from "ava";
import { Backoff } from "./backoff.js";

test("ceilings double from 1 s to the 30 s cap", (t) => {
  const b = new Backoff({ random: () => 0.999999 });
  const waits = Array.from({ length: 8 }, () => b.next());
  t.deepEqual(waits, [999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
});

test("full jitter: waits spread uniformly below the ceiling", (t) => {
  const b = new Backoff({ initialMs: 1000, maxMs: 1000 });
  const waits = Array.from({ length: 2000 }, () => b.next());
  t.true(waits.every((w) => w >= 0 && w < 1000));
  const low = waits.filter((w) => w < 500).length;
  t.true(low > 850 && low < 1150, `expected about half below 500 ms, got ${low}`);
});

test("reset starts over", (t) => {
  const b = new Backoff({ random: () => 0.5 });
  b.next();
  b.next();
  b.reset();
  t.is(b.attempts, 0);
  t.is(b.next(), 500);
});
