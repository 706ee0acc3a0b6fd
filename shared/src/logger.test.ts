import { Writable } from "node:stream";
import test from "ava";
import { createLogger } from "./logger.js";

function sink() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, destination };
}

test("identical lines are printed once per window, then with the count of those held back", (t) => {
  const { lines, destination } = sink();
  let now = 0;
  const log = createLogger({
    name: "t",
    level: "info",
    destination,
    repeatWindowMs: 30_000,
    now: () => now,
  });
  for (let i = 0; i < 5; i++) log.warn({ err: "ECONNREFUSED" }, "watch failed");
  log.warn({ err: "EHOSTUNREACH" }, "watch failed"); // different fields: its own line
  log.child({ clusterId: "b" }).warn({ err: "ECONNREFUSED" }, "watch failed"); // other bindings
  now = 29_999;
  log.warn({ err: "ECONNREFUSED" }, "watch failed");
  now = 30_000;
  log.warn({ err: "ECONNREFUSED" }, "watch failed");
  log.info("plain text");
  log.info("plain text");
  t.deepEqual(
    lines.map((l) => [l.msg, l.err, l.clusterId, l.repeated]),
    [
      ["watch failed", "ECONNREFUSED", undefined, undefined],
      ["watch failed", "EHOSTUNREACH", undefined, undefined],
      ["watch failed", "ECONNREFUSED", "b", undefined],
      ["watch failed", "ECONNREFUSED", undefined, 5],
      ["plain text", undefined, undefined, undefined],
    ],
  );
});

test("without a window every line is printed", (t) => {
  const { lines, destination } = sink();
  const log = createLogger({ name: "t", level: "info", destination });
  log.info("same");
  log.info("same");
  t.is(lines.length, 2);
});
