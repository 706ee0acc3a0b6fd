import test from "ava";
import { resample } from "./resample.js";

const min = 60_000;

test("offset samples land on the 5-minute grid in proportion", (t) => {
  // Samples at :02, :07, :12 with values 0, 10, 20: the grid at :05 and :10 reads 6 and 16.
  const s = resample(
    [
      { at: 2 * min, value: 0 },
      { at: 7 * min, value: 10 },
      { at: 12 * min, value: 20 },
    ],
    5 * min,
  );
  t.is(s.start, 5 * min);
  t.deepEqual([...s.values], [6, 16]);
});

test("a lost sample is bridged; a long outage stays a gap", (t) => {
  const s = resample(
    [
      { at: 0, value: 1 },
      { at: 10 * min, value: 3 },
      { at: 60 * min, value: 5 },
    ],
    5 * min,
  );
  t.is(s.values.length, 13);
  t.deepEqual([...s.values.subarray(0, 3)], [1, 2, 3]);
  t.true(Number.isNaN(s.values[6] as number));
  t.is(s.values[12], 5);
  t.is(resample([], 5 * min).values.length, 0);
});
