import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FailureKind, isAppError } from "@smart-orchestrator/shared";
import test from "ava";
import { SqliteStore } from "../store/sqlite-store.js";
import {
  createBody as body,
  enablerFixture,
  twoConfigMaps as manifests,
  objectsOf,
  okResult,
  memoryFixture as setup,
} from "./enabler-fixture.js";
import type { CreateEnablerInput } from "./enabler-schemas.js";

test("deploy to a connected cluster: revision first, Apply from the store, Enabled on the result", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(body(), new Date());
  const [cmd] = await session.waitFor(1);
  t.is(cmd?.action?.$case, "apply");
  const apply = cmd?.action?.$case === "apply" ? cmd.action.value : undefined;
  t.like(apply, {
    release: "web",
    enablerId: uid,
    namespace: "default",
    revision: 1,
    timeoutMs: 300_000,
  });
  t.deepEqual(
    objectsOf(apply as never).map((o) => o.metadata.name),
    ["a", "b"],
  );
  t.is((await f.service.get(uid)).status, "Deploying");

  await f.outbox.result("c1", okResult(cmd?.id ?? "", 1, ["a", "b"]));
  const view = await f.service.get(uid);
  t.like(view, { status: "Enabled", currentRevision: 1, appliedRevision: 1 });
  t.deepEqual(
    view.moves.map((m) => m.status),
    ["Deploying", "Enabled"],
  );
  t.is(view.objects.length, 2);
  t.is(view.operation, undefined);
});

test('manifests sent as a list are applied as sent: a string such as "yes" stays a string', async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const flags = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flags" } };
  await f.service.create(
    body({ manifests: [{ ...flags, data: { a: "yes", b: "on" } }] }),
    new Date(),
  );
  const [cmd] = await session.waitFor(1);
  const apply = cmd?.action?.$case === "apply" ? cmd.action.value : undefined;
  t.deepEqual(
    objectsOf(apply as never).map((o) => o.data),
    [{ a: "yes", b: "on" }],
  );
});

test("a disconnected cluster: Pending with the reason, then delivered when its session starts", async (t) => {
  const f = await setup();
  const { uid } = await f.service.create(body({ cluster: "edge-1" }), new Date());
  await f.delivered();
  const pending = await f.service.get(uid);
  t.is(pending.status, "Pending");
  t.regex(pending.statusReason, /waiting for cluster edge-1 to connect/);

  const session = await f.connect("c1");
  const [cmd] = session.commands();
  t.is(cmd?.action?.$case, "apply");
  t.is((await f.service.get(uid)).status, "Deploying");
  // A second nudge on the same session does not resend.
  await f.outbox.nudge("c1");
  t.is(session.commands().length, 1);
});

test("a busy enabler answers 409 naming the operation in flight", async (t) => {
  const f = await setup();
  const { uid } = await f.service.create(body(), new Date());
  const err = await t.throwsAsync(f.service.upgrade(uid, { manifests }));
  t.true(isAppError(err) && err.code === "conflict");
  t.regex(err?.message ?? "", /busy: a deploy of revision 1 is in flight/);
  const del = await t.throwsAsync(f.service.delete(uid, { force: false, waitMs: 0 }));
  t.regex(del?.message ?? "", /deploy of revision 1/);
});

test("upgrade: given values replace, omitted values are kept; the version range is pinned", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(
    body({ manifests: undefined, helmChart: "demo/web", values: { replicas: 2 } }),
    new Date(),
  );
  let [cmd] = await session.waitFor(1);
  await f.outbox.result("c1", okResult(cmd?.id ?? "", 1, ["web"]));

  // Only the version: the values stay.
  await f.service.upgrade(uid, { version: "^1.3" });
  cmd = (await session.waitFor(2))[1];
  const apply = cmd?.action?.$case === "apply" ? cmd.action.value : undefined;
  t.is(apply?.revision, 2);
  t.deepEqual(dataOf(objectsOf(apply as never)[0]), { replicas: 2 });
  await f.outbox.result("c1", okResult(cmd?.id ?? "", 2, ["web"]));

  // New values replace the old ones whole; the pinned range stays.
  await f.service.upgrade(uid, { values: { extra: true } });
  cmd = (await session.waitFor(3))[2];
  const third = cmd?.action?.$case === "apply" ? cmd.action.value : undefined;
  t.deepEqual(
    objectsOf(third as never).map((o) => o.metadata.name),
    ["web", "web-extra"],
    "the test hook is never shipped",
  );
  t.deepEqual(dataOf(objectsOf(third as never)[0]), { extra: true });
  t.deepEqual(f.fetches.at(-1), { ref: "demo/web", version: "^1.3" });
  await f.outbox.result("c1", okResult(cmd?.id ?? "", 3, ["web", "web-extra"]));

  const view = await f.service.get(uid);
  t.like(view, { status: "Enabled", currentRevision: 3, appliedRevision: 3, version: "1.3.1" });
  t.deepEqual(
    view.revisions.map((r) => [r.revision, r.version]),
    [
      [1, "1.2.0"],
      [2, "1.3.1"],
      [3, "1.3.1"],
    ],
  );
  t.not(view.revisions[1]?.valuesDigest, view.revisions[2]?.valuesDigest);
  t.deepEqual(
    view.moves.map((m) => m.status),
    ["Deploying", "Enabled", "Upgrading", "Enabled", "Upgrading", "Enabled"],
  );
});

test("a failed result is Error with the agent's reason; progress shows what is not ready", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(body(), new Date());
  const [cmd] = await session.waitFor(1);
  const waiting = {
    group: "apps",
    kind: "Deployment",
    namespace: "default",
    name: "web",
    action: 1,
    ready: false,
    message: "ImagePullBackOff: Back-off pulling image",
  };
  await f.outbox.progress("c1", {
    commandId: cmd?.id ?? "",
    revision: 1,
    message: "waiting for 1 of 2 objects",
    objects: [waiting],
  });
  const during = await f.service.get(uid);
  t.is(during.progress?.waitingFor[0]?.message, "ImagePullBackOff: Back-off pulling image");
  t.is(during.progress?.waitingFor[0]?.action, "created");

  await f.outbox.result("c1", {
    ...okResult(cmd?.id ?? "", 1, []),
    ok: false,
    failure: FailureKind.FAILURE_KIND_TIMEOUT,
    message: "not ready after 5m0s: Deployment default/web: ImagePullBackOff",
    objects: [waiting],
  });
  const view = await f.service.get(uid);
  t.is(view.status, "Error");
  t.regex(view.statusReason, /ImagePullBackOff/);
  t.is(view.progress, undefined);
  t.false(view.objects[0]?.ready);
});

test("a result from another cluster, or for an unknown command, changes nothing", async (t) => {
  const f = await setup();
  const session = await f.connect("c1");
  const { uid } = await f.service.create(body(), new Date());
  const [cmd] = await session.waitFor(1);
  await f.outbox.result("c2", okResult(cmd?.id ?? "", 1, ["a"]));
  await f.outbox.result("c1", okResult("no-such-command", 1, ["a"]));
  t.is((await f.service.get(uid)).status, "Deploying");
});

test("after a restart the same commands are re-sent from the store, with the same ids", async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "so-enablers-")), "db.sqlite");
  const store = SqliteStore.open(file);
  const first = await enablerFixture(store);
  const s1 = await first.connect("c1");
  const { uid } = await first.service.create(body(), new Date());
  const [sent] = await s1.waitFor(1);
  await store.close();

  const reopened = SqliteStore.open(file);
  t.teardown(() => reopened.close());
  const second = await enablerFixture(reopened);
  t.is(await second.outbox.sweep(), 1);
  const s2 = await second.connect("c1");
  const [again] = s2.commands();
  t.is(again?.id, sent?.id, "the agent dedups on the id");
  await second.outbox.result("c1", okResult(again?.id ?? "", 1, ["a", "b"]));
  t.is((await second.service.get(uid)).status, "Enabled");
});

test("bad inputs are refused naming the field, and nothing is stored", async (t) => {
  const f = await setup({ maxRenderedBytes: 2000 });
  const cases: Array<[Partial<CreateEnablerInput>, string, RegExp]> = [
    [{ cluster: "nope" }, "cluster", /not found/],
    [{ auto: true }, "auto", /automatic placement is not available/],
    [{ manifests: "just: text\n" }, "manifests", /apiVersion and kind/],
    [{ manifests: "- 1\n" }, "manifests", /not a Kubernetes object/],
    [{ manifests: [{ just: "text" }] }, "manifests", /document 1: needs apiVersion and kind/],
    [
      { manifests: [{ apiVersion: "v1", kind: "List", items: [1] }] },
      "manifests",
      /document 1, item 1: is not a Kubernetes object/,
    ],
    [
      {
        manifests: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {x: "${"x".repeat(3000)}"}\n`,
      },
      "manifests",
      /limit is 2000 bytes/,
    ],
    [
      { manifests: undefined, helmChart: "demo/web", values: { replicas: 0 } },
      "values.replicas",
      /must be >= 1/,
    ],
    [
      { manifests: undefined, helmChart: "demo/web", cluster: "old" },
      "helmChart",
      /requires Kubernetes >=1.25.0-0; cluster old runs v1.20.0/,
    ],
  ];
  for (const [extra, field, reason] of cases) {
    const err = await t.throwsAsync(f.service.create(body(extra), new Date()), undefined, field);
    t.true(isAppError(err), field);
    if (!isAppError(err)) continue;
    t.is(err.fields[0]?.field, field, JSON.stringify(extra).slice(0, 80));
    t.regex(err.message, reason, field);
  }
  t.deepEqual(await f.service.list(), []);
  t.is(await f.revisions.objectsGz("anything", 1), undefined);
});

test("a name is unique per cluster and namespace", async (t) => {
  const f = await setup();
  await f.service.create(body(), new Date());
  const err = await t.throwsAsync(f.service.create(body(), new Date()));
  t.true(isAppError(err) && err.code === "already_exists" && err.fields[0]?.field === "name");
  t.truthy(await f.service.create(body({ namespace: "other" }), new Date()));
});

function dataOf(object: unknown): unknown {
  return JSON.parse(String((object as { data?: { v?: string } } | undefined)?.data?.v));
}
