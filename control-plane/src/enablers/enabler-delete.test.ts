import test from "ava";
import { createBody as body, okResult, memoryFixture as setup } from "./enabler-fixture.js";

// DELETE /enabler/:id through the service and the outbox, with a recording session as the agent.

test("delete waits for the agent: 200 when done, tombstone kept, revisions gone", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(body(), new Date());
  const [apply] = await session.waitFor(1);
  await f.outbox.result("c1", okResult(apply?.id ?? "", 1, ["a", "b"]));

  const deleting = f.service.delete(uid, { force: false, waitMs: 60_000 });
  const [, del] = await session.waitFor(2);
  t.is(del?.action?.$case, "delete");
  t.like(del?.action?.value, { release: "web", enablerId: uid, namespace: "default" });
  await f.outbox.result("c1", okResult(del?.id ?? "", 0, []));
  t.deepEqual(await deleting, { done: true, message: "enabler web deleted" });
  await t.throwsAsync(f.service.get(uid), { message: /not found/ });
  t.like(await f.tombstones.get(uid), { name: "web", cluster: "c1", namespace: "default" });
  t.is(await f.revisions.objectsGz(uid, 1), undefined);
});

test("delete past its Timeout answers 'still deleting' with status Deleting", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(body(), new Date());
  const [apply] = await session.waitFor(1);
  await f.outbox.result("c1", okResult(apply?.id ?? "", 1, ["a"]));
  const outcome = await f.service.delete(uid, { force: false, waitMs: 0 });
  t.false(outcome.done);
  t.is((await f.service.get(uid)).status, "Deleting");
});

test("a forced delete drops the record at once and queues the delete for the next connection", async (t) => {
  const f = await setup();
  const { uid } = await f.service.create(body(), new Date());
  const outcome = await f.service.delete(uid, { force: true, waitMs: 30_000 });
  t.true(outcome.done);
  t.deepEqual(await f.service.list(), []);
  const session = await f.connect("c1");
  const [del] = session.commands();
  t.is(del?.action?.$case, "delete");
  await f.outbox.result("c1", okResult(del?.id ?? "", 0, []));
  t.is((await f.tombstones.get(uid))?.pending, undefined, "the queued delete is answered");
  // The name is free again.
  t.truthy((await f.service.create(body(), new Date())).uid);
});

test("deleting a cluster drops its queued commands", async (t) => {
  const f = await setup();
  const { uid } = await f.service.create(body(), new Date());
  await f.service.delete(uid, { force: true, waitMs: 0 });
  await f.service.create(body({ name: "other" }), new Date());
  await f.tombstones.dropQueuedFor("c1");
  await f.records.removeForCluster("c1");
  const session = await f.connect("c1");
  t.deepEqual(session.commands(), []);
});

test("a tombstone keeps name, cluster and namespace for 7 days, then expires", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(body({ namespace: "apps" }), new Date());
  const [apply] = await session.waitFor(1);
  await f.outbox.result("c1", okResult(apply?.id ?? "", 1, ["a", "b"]));
  const deleting = f.service.delete(uid, { force: false, waitMs: 60_000 });
  const [, del] = await session.waitFor(2);
  await f.outbox.result("c1", okResult(del?.id ?? "", 0, []));
  t.true((await deleting).done);
  f.tick(6 * 24 * 3600 * 1000);
  t.is(await f.tombstones.expire(), 0);
  t.like(await f.tombstones.get(uid), { name: "web", cluster: "c1", namespace: "apps" });
  f.tick(2 * 24 * 3600 * 1000);
  t.is(await f.tombstones.expire(), 1);
  t.is(await f.tombstones.get(uid), undefined);
});
