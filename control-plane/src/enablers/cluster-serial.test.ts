import test from "ava";
import { ClusterSerial } from "./cluster-serial.js";

test("work for one cluster runs in order, one at a time; a failure does not stop the queue", async (t) => {
  const serial = new ClusterSerial();
  const log: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const first = serial.run("c1", async () => {
    log.push("status start");
    await gate;
    log.push("status end");
    throw new Error("boom");
  });
  const second = serial.run("c1", async () => {
    log.push("result");
    return 2;
  });
  // Another cluster does not wait for c1.
  t.is(await serial.run("c2", async () => "other"), "other");
  t.deepEqual(log, ["status start"]);
  release();
  await t.throwsAsync(first, { message: "boom" });
  t.is(await second, 2);
  t.deepEqual(log, ["status start", "status end", "result"]);
});
