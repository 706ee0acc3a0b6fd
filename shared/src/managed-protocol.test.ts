import test from "ava";
import { lineSplitter, parseManagedEvent } from "./managed-protocol.js";

test("lines are split across chunks; an overlong line is reported and dropped, the next one kept", (t) => {
  const lines: string[] = [];
  let overflows = 0;
  const feed = lineSplitter(
    (l) => lines.push(l),
    () => overflows++,
    10,
  );
  feed('{"a"');
  feed(':1}\n\n{"b":2}\n01234');
  feed("56789abc\nok\n");
  feed("0123456789012\n");
  t.deepEqual(lines, ['{"a":1}', '{"b":2}', "ok"]);
  t.is(overflows, 2);
});

test("events are checked field by field", (t) => {
  t.deepEqual(
    parseManagedEvent('{"type":"status","clusterId":"c","state":"failing","reason":"x"}'),
    {
      type: "status",
      clusterId: "c",
      state: "failing",
      reason: "x",
    },
  );
  for (const bad of [
    "nope",
    "null",
    '{"type":"status","clusterId":"c","state":"weird"}',
    '{"type":"x"}',
  ])
    t.is(parseManagedEvent(bad), undefined, bad);
});
