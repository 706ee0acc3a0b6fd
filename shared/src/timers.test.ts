import test from "ava";
import { FakeTimers, systemTimers } from "./timers.js";

test("fake timers run nothing until time moves, then in due order", (t) => {
  const timers = new FakeTimers(0);
  const seen: string[] = [];
  timers.setTimeout(() => seen.push(`b@${timers.now()}`), 200);
  timers.setTimeout(() => seen.push(`a@${timers.now()}`), 100);
  t.deepEqual(seen, []);
  timers.advance(99);
  t.deepEqual(seen, []);
  timers.advance(1);
  t.deepEqual(seen, ["a@100"]);
  timers.advance(1000);
  t.deepEqual(seen, ["a@100", "b@200"]);
  t.is(timers.now(), 1100);
  t.is(timers.pending, 0);
});

test("fake intervals repeat until cleared, and cleared timeouts never run", (t) => {
  const timers = new FakeTimers(0);
  let ticks = 0;
  const every = timers.setInterval(() => ticks++, 50);
  const never = timers.setTimeout(() => t.fail("cleared timer ran"), 10);
  never.clear();
  timers.advance(175);
  t.is(ticks, 3);
  every.clear();
  timers.advance(1000);
  t.is(ticks, 3);
});

test("a callback may schedule another that falls due in the same advance", (t) => {
  const timers = new FakeTimers(0);
  const at: number[] = [];
  timers.setTimeout(() => {
    at.push(timers.now());
    timers.setTimeout(() => at.push(timers.now()), 30);
  }, 20);
  timers.advance(100);
  t.deepEqual(at, [20, 50]);
});

test("system timers fire and clear", async (t) => {
  const timers = systemTimers();
  const fired = await new Promise<boolean>((resolve) => {
    timers.setTimeout(() => resolve(true), 1);
  });
  t.true(fired);
  let ran = false;
  timers
    .setTimeout(() => {
      ran = true;
    }, 1)
    .clear();
  await new Promise<void>((resolve) => timers.setTimeout(resolve, 20));
  t.false(ran);
  t.true(Math.abs(timers.now() - Date.now()) < 1000);
});
