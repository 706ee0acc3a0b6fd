import { ReleaseHealth, type ReleaseState, ReleaseStatus } from "@smart-orchestrator/shared";
import test from "ava";
import { SqliteStore } from "../store/sqlite-store.js";
import { enablerFixture, okResult } from "./enabler-fixture.js";

const manifests = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";

async function deployed() {
  const f = await enablerFixture(SqliteStore.open(":memory:"));
  const session = await f.connect("c1");
  const { uid } = await f.service.create(
    { name: "web", cluster: "c1", manifests, timeout: "5m0s", auto: false, namespace: "default" },
    new Date(),
  );
  const [apply] = await session.waitFor(1);
  await f.outbox.result("c1", okResult(apply?.id ?? "", 1, ["a"]));
  return { f, session, uid };
}

function status(...releases: Partial<ReleaseState>[]): ReleaseStatus {
  return ReleaseStatus.fromPartial({
    observedAtMs: Date.parse("2026-03-01T00:00:00Z"),
    releases: releases.map((r) => ({
      release: "web",
      namespace: "default",
      revision: 1,
      health: ReleaseHealth.RELEASE_HEALTH_HEALTHY,
      ...r,
    })),
  });
}

test("the cluster's word is recorded: confirmation, last repair, and the status follows its health", async (t) => {
  const { f, uid } = await deployed();
  f.tick(60_000);
  const repairAt = Date.parse("2026-03-01T00:00:30Z");
  await f.reconciler.reconcile(
    "c1",
    status({
      enablerId: uid,
      repairs: 2,
      lastRepairAtMs: repairAt,
      lastRepaired: ["Deployment default/web (recreated)"],
    }),
  );
  let view = await f.service.get(uid);
  t.like(view, { status: "Enabled", appliedRevision: 1 });
  t.deepEqual(view.clusterState, {
    confirmedAt: "2026-03-01T00:01:00.000Z",
    revision: 1,
    health: "healthy",
    message: "",
    repairs: 2,
  });
  t.deepEqual(view.lastRepair, {
    at: new Date(repairAt).toISOString(),
    objects: ["Deployment default/web (recreated)"],
  });
  const moves = view.moves.length;

  // An agent restart zeroes its counters: the stored last repair stays.
  await f.reconciler.reconcile(
    "c1",
    status({
      enablerId: uid,
      health: ReleaseHealth.RELEASE_HEALTH_DEGRADED,
      message: "Deployment web: ProgressDeadlineExceeded",
    }),
  );
  view = await f.service.get(uid);
  t.is(view.status, "Error");
  t.is(
    view.statusReason,
    "the cluster reports revision 1 degraded: Deployment web: ProgressDeadlineExceeded",
  );
  t.is(view.lastRepair?.at, new Date(repairAt).toISOString());
  t.is(view.moves.length, moves + 1);

  await f.reconciler.reconcile("c1", status({ enablerId: uid }));
  view = await f.service.get(uid);
  t.like(view, { status: "Enabled", statusReason: "revision 1 healthy on the cluster" });
  // The same report again moves nothing.
  await f.reconciler.reconcile("c1", status({ enablerId: uid }));
  t.is((await f.service.get(uid)).moves.length, moves + 2);
});

test("a cluster that holds an older revision, or none, gets the current one applied again", async (t) => {
  const { f, session, uid } = await deployed();
  const summary = await f.reconciler.reconcile("c1", status());
  t.deepEqual(summary.reapplied, ["web"]);
  await f.delivered();
  const [, again] = await session.waitFor(2);
  t.is(again?.action?.$case, "apply");
  t.like(again?.action?.value, { revision: 1, enablerId: uid });
  const view = await f.service.get(uid);
  t.is(view.status, "Upgrading");
  t.is(view.statusReason, "the cluster holds no desired state for it; applying revision 1");
  t.is(view.clusterState?.health, "absent");
  await f.outbox.result("c1", okResult(again?.id ?? "", 1, ["a"]));
  const held = await f.service.get(uid);
  t.is(held.status, "Enabled");
  t.like(held.clusterState, { revision: 1, health: "healthy" }, "an applied result confirms too");

  // While a command is in flight the report changes no status and queues nothing.
  await f.service.upgrade(uid, { manifests });
  const busy = await f.reconciler.reconcile("c1", status({ enablerId: uid }));
  t.deepEqual(busy.reapplied, []);
  t.is((await f.service.get(uid)).status, "Upgrading");
});

test("an enabler in Error is not re-applied behind the user's back", async (t) => {
  const { f, session, uid } = await deployed();
  await f.service.upgrade(uid, { manifests });
  const [, up] = await session.waitFor(2);
  await f.outbox.result("c1", { ...okResult(up?.id ?? "", 2, ["a"]), ok: false, message: "boom" });
  const summary = await f.reconciler.reconcile("c1", status({ enablerId: uid }));
  t.deepEqual(summary.reapplied, []);
  t.like(await f.service.get(uid), { status: "Error", statusReason: "boom" });
});

test("a release no record has is deleted; another cluster's enabler is left alone", async (t) => {
  const { f, session, uid } = await deployed();
  const summary = await f.reconciler.reconcile(
    "c1",
    status(
      { enablerId: uid },
      { enablerId: "gone-1", release: "old", namespace: "shop", revision: 3 },
    ),
  );
  t.deepEqual(summary.deleted, ["old"]);
  await f.delivered();
  const [, del] = await session.waitFor(2);
  t.is(del?.action?.$case, "delete");
  t.like(del?.action?.value, { release: "old", enablerId: "gone-1", namespace: "shop" });
  t.like(await f.tombstones.get("gone-1"), { name: "old", cluster: "c1" });
  // Reported again before the agent answered: nothing more is queued.
  t.deepEqual((await f.reconciler.reconcile("c1", status({ enablerId: "gone-1" }))).deleted, []);
  await f.outbox.result("c1", okResult(del?.id ?? "", 0, []));
  t.is((await f.tombstones.get("gone-1"))?.pending, undefined);

  // Cluster c2 claims c1's enabler: neither the record nor a tombstone is touched.
  const other = await f.reconciler.reconcile("c2", status({ enablerId: uid }));
  t.deepEqual(other.deleted, []);
  t.is(await f.tombstones.get(uid), undefined);
});

test("progressing changes nothing; a revision newer than any stored is an Error naming both", async (t) => {
  const { f, uid } = await deployed();
  await f.reconciler.reconcile(
    "c1",
    status({ enablerId: uid, health: ReleaseHealth.RELEASE_HEALTH_PROGRESSING, message: "1 of 2" }),
  );
  let view = await f.service.get(uid);
  t.like(view, { status: "Enabled", clusterState: { health: "progressing", message: "1 of 2" } });
  await f.reconciler.reconcile("c1", status({ enablerId: uid, revision: 7 }));
  view = await f.service.get(uid);
  t.is(view.status, "Error");
  t.is(view.statusReason, "the cluster holds revision 7, newer than the newest stored here (1)");
});
