import { gunzipSync } from "node:zlib";
import { FailureKind, ObjectAction } from "@smart-orchestrator/shared";
import test from "ava";
import { SqliteStore } from "../store/sqlite-store.js";
import { enablerFixture, okResult } from "./enabler-fixture.js";

const manifests = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: db, image: db}]}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: backup
  annotations: {"helm.sh/hook": "pre-delete", "helm.sh/hook-weight": "1"}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: b, image: b}]}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: smoke
  annotations: {"helm.sh/hook": "test"}
spec: {containers: [{name: t, image: t}]}
`;

async function deployed() {
  const f = await enablerFixture(SqliteStore.open(":memory:"));
  const session = await f.connect("c1");
  const { uid } = await f.service.create(
    { name: "db", cluster: "c1", manifests, timeout: "5m0s", auto: false, namespace: "shop" },
    new Date(),
  );
  const [apply] = await session.waitFor(1);
  await f.outbox.result("c1", okResult(apply?.id ?? "", 1, ["db"]));
  return { f, session, uid };
}

function volumesResult(commandId: string) {
  return {
    ...okResult(commandId, 0, []),
    objects: [
      ["PersistentVolumeClaim", "shop", "data-db-0"],
      ["PersistentVolume", "", "pv-retain"],
    ].map(([kind, namespace, name]) => ({
      group: "",
      kind: kind as string,
      namespace: namespace as string,
      name: name as string,
      action: ObjectAction.OBJECT_ACTION_DELETED,
      ready: true,
      message: "",
    })),
  };
}

test("test hooks are dropped at render and counted; the delete carries the pre-delete hook", async (t) => {
  const { f, session, uid } = await deployed();
  const view = await f.service.get(uid);
  t.is(view.revisions[0]?.testHooks, 1);
  t.is(view.revisions[0]?.objectCount, 2);
  const deleting = f.service.delete(uid, { force: false, waitMs: 60_000 });
  const [, del] = await session.waitFor(2);
  const hooks = del?.action?.$case === "delete" ? del.action.value.hooks : Buffer.alloc(0);
  const names = JSON.parse(gunzipSync(hooks).toString()).map(
    (o: { metadata: { name: string } }) => o.metadata.name,
  );
  t.deepEqual(names, ["backup"]);
  await f.outbox.result("c1", okResult(del?.id ?? "", 0, []));
  t.true((await deleting).done);
});

test("volumes of a live enabler: 409 while its workloads run, deleted with force, status untouched", async (t) => {
  const { f, session, uid } = await deployed();
  const first = f.volumes.delete(uid, { force: false, waitMs: 60_000 });
  const [, cmd] = await session.waitFor(2);
  t.is(cmd?.action?.$case, "deleteVolumes");
  t.like(cmd?.action?.value, { release: "db", enablerId: uid, namespace: "shop", force: false });
  await t.throwsAsync(f.volumes.delete(uid, { force: true, waitMs: 0 }), { message: /busy/ });
  await f.outbox.result("c1", {
    ...okResult(cmd?.id ?? "", 0, []),
    ok: false,
    failure: FailureKind.FAILURE_KIND_IN_USE,
    message: "StatefulSet shop/db still exists",
  });
  await t.throwsAsync(first, { message: /StatefulSet shop\/db still exists.*Force: true/ });

  const forced = f.volumes.delete(uid, { force: true, waitMs: 60_000 });
  const [, , cmd2] = await session.waitFor(3);
  t.like(cmd2?.action?.value, { force: true });
  await f.outbox.result("c1", volumesResult(cmd2?.id ?? ""));
  t.deepEqual(await forced, {
    done: true,
    message: "deleted 2 volume objects of db",
    deleted: ["PersistentVolumeClaim shop/data-db-0", "PersistentVolume pv-retain"],
  });
  const view = await f.service.get(uid);
  t.is(view.status, "Enabled");
  t.deepEqual(view.volumes?.deleted, [
    "PersistentVolumeClaim shop/data-db-0",
    "PersistentVolume pv-retain",
  ]);
});

test("volumes after the enabler was deleted: through its tombstone; 409 while the cluster is away", async (t) => {
  const { f, session, uid } = await deployed();
  f.disconnect("c1");
  await f.service.delete(uid, { force: true, waitMs: 0 });
  const grave = await f.service.getAny(uid);
  t.like(grave, { status: "Deleted", deleteQueued: true, name: "db" });
  await t.throwsAsync(f.volumes.delete(uid, { force: false, waitMs: 0 }), {
    message: /cluster edge-1 is not connected; nothing was queued/,
  });
  t.is(session.commands().length, 1);

  const back = await f.connect("c1");
  const [del] = back.commands();
  t.is(del?.action?.$case, "delete");
  // The forced delete kept the revision for its hooks.
  t.true((del?.action?.$case === "delete" ? del.action.value.hooks.length : 0) > 0);
  await t.throwsAsync(f.volumes.delete(uid, { force: false, waitMs: 0 }), {
    message: /its delete is still queued/,
  });
  await f.outbox.result("c1", okResult(del?.id ?? "", 0, []));
  t.is(await f.revisions.objectsGz(uid, 1), undefined, "revisions go once the delete is answered");

  const deleting = f.volumes.delete(uid, { force: false, waitMs: 60_000 });
  const [, cmd] = await back.waitFor(2);
  t.is(cmd?.action?.$case, "deleteVolumes");
  await f.outbox.result("c1", volumesResult(cmd?.id ?? ""));
  t.is((await deleting).deleted.length, 2);
  t.like(await f.service.getAny(uid), { status: "Deleted", deleteQueued: false });
  await t.throwsAsync(f.volumes.delete("nope", { force: false, waitMs: 0 }), {
    message: /not found/,
  });
});
