import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { simulatorKubeConfig, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { configMap, deployment } from "../apply/testing/engine-kit.js";
import type { DesiredRelease } from "./desired-release.js";
import { FileDesiredStore } from "./file-desired-store.js";
import { chunkName, desiredLabels, SecretDesiredStore } from "./secret-desired-store.js";

// Random data does not compress: a payload of several chunks at a small chunk size.
const blob = randomBytes(6000).toString("base64");

function release(revision: number, enablerId = "Shop.ID-1"): DesiredRelease {
  return {
    release: "shop",
    enablerId,
    namespace: "shop",
    revision,
    objects: [deployment("web"), configMap("big", { blob, revision: String(revision) })],
    hooks: [configMap("hook")],
    appliedAtMs: 1234,
  };
}

async function secretKit() {
  const sim = await startSimulator({ cluster: "name=t,nodes=1" });
  const core = simulatorKubeConfig(sim.url, sim.spec.name).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "so-agent" } } });
  const names = async () =>
    (
      await core.listNamespacedSecret({
        namespace: "so-agent",
        labelSelector: `${desiredLabels.part}=desired-state`,
      })
    ).items
      .map((s) => s.metadata?.name ?? "")
      .sort();
  return { sim, core, names };
}

test("cluster mode: the desired state is split into named, labelled Secrets, reloaded whole; old chunks go", async (t) => {
  const { sim, core, names } = await secretKit();
  t.teardown(() => sim.close());
  const store = new SecretDesiredStore(core, "so-agent", { chunkBytes: 2048 });

  await store.save(release(1));
  const first = await names();
  t.true(first.length >= 3, `expected several chunks, got ${first.join(", ")}`);
  t.deepEqual(first, first.map((_, i) => chunkName("Shop.ID-1", 1, i)).sort());
  t.deepEqual((await store.loadAll()).releases, [release(1)]);

  await store.save(release(2));
  const second = await names();
  t.true(
    second.every((n) => n.includes("-2-")),
    `revision 1 chunks left: ${second.join(", ")}`,
  );
  // A fresh store (an agent restart) reads the same.
  const reloaded = await new SecretDesiredStore(core, "so-agent", { chunkBytes: 2048 }).loadAll();
  t.deepEqual(reloaded, { releases: [release(2)], damaged: [] });

  await store.save(release(1, "other"));
  await store.remove("Shop.ID-1");
  t.deepEqual(
    (await store.loadAll()).releases.map((r) => r.enablerId),
    ["other"],
  );
});

test("cluster mode: a save cut short leaves the older complete revision readable", async (t) => {
  const { sim, core, names } = await secretKit();
  t.teardown(() => sim.close());
  const store = new SecretDesiredStore(core, "so-agent", { chunkBytes: 2048 });
  await store.save(release(1));
  await store.save(release(2));
  const chunks = await names();
  // Revision 3 was being written when the agent died: only its first chunk exists.
  const [firstChunk] = (
    await core.listNamespacedSecret({
      namespace: "so-agent",
      labelSelector: `${desiredLabels.chunk}=0`,
    })
  ).items;
  const copy = structuredClone(firstChunk);
  if (!copy?.metadata?.labels) throw new Error("no chunk");
  copy.metadata = {
    name: chunkName("Shop.ID-1", 3, 0),
    namespace: "so-agent",
    labels: {
      ...copy.metadata.labels,
      [desiredLabels.revision]: "3",
      [desiredLabels.digest]: "0000",
    },
  };
  await core.createNamespacedSecret({ namespace: "so-agent", body: copy });
  t.is((await names()).length, chunks.length + 1);
  t.deepEqual((await store.loadAll()).releases, [release(2)]);

  // With a chunk of the only revision gone, it is reported damaged, not guessed.
  await core.deleteNamespacedSecret({ name: chunkName("Shop.ID-1", 2, 1), namespace: "so-agent" });
  const after = await store.loadAll();
  t.deepEqual(after.releases, []);
  t.is(after.damaged.length, 1);
});

test("host mode: one file per release in the state directory, mode 0600, damaged files skipped", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "so-desired-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = new FileDesiredStore(dir);
  t.deepEqual(await store.loadAll(), { releases: [], damaged: [] });
  await store.save(release(1));
  await store.save(release(2));
  await store.save(release(5, "other"));
  const files = await readdir(join(dir, "releases"));
  t.is(files.length, 2);
  t.is((await stat(join(dir, "releases", files[0] as string))).mode & 0o777, 0o600);
  await writeFile(join(dir, "releases", "junk.json.gz"), "not gzip");
  const loaded = await new FileDesiredStore(dir).loadAll();
  t.deepEqual(loaded.releases.map((r) => [r.enablerId, r.revision]).sort(), [
    ["Shop.ID-1", 2],
    ["other", 5],
  ]);
  t.deepEqual(
    loaded.releases.find((r) => r.enablerId === "Shop.ID-1"),
    release(2),
  );
  t.is(loaded.damaged.length, 1);
  await store.remove("other");
  t.deepEqual(
    (await store.loadAll()).releases.map((r) => r.enablerId),
    ["Shop.ID-1"],
  );
});

test("cluster mode: an agent run from outside the cluster gets its namespace made for the Secrets", async (t) => {
  const { sim, core } = await secretKit();
  t.teardown(() => sim.close());
  const store = new SecretDesiredStore(core, "not-there-yet");
  await store.save(release(1));
  t.deepEqual((await store.loadAll()).releases, [release(1)]);
});

test("cluster mode: stores scoped to a cluster id (managed agents) see only their own Secrets in a shared namespace", async (t) => {
  const { sim, core, names } = await secretKit();
  t.teardown(() => sim.close());
  const a = "11111111-1111-1111-1111-111111111111";
  const b = "22222222-2222-2222-2222-222222222222";
  const ofA = new SecretDesiredStore(core, "so-agent", { clusterId: a });
  const ofB = new SecretDesiredStore(core, "so-agent", { clusterId: b });
  const installed = new SecretDesiredStore(core, "so-agent");
  await ofA.save(release(1, "enabler-a"));
  await ofB.save(release(4, "enabler-b"));
  await installed.save(release(2, "enabler-c"));
  t.is((await names()).length, 3);
  const ids = async (store: SecretDesiredStore) =>
    (await store.loadAll()).releases.map((r) => `${r.enablerId}@${r.revision}`);
  t.deepEqual(await ids(ofA), ["enabler-a@1"]);
  t.deepEqual(await ids(ofB), ["enabler-b@4"]);
  t.deepEqual(await ids(installed), ["enabler-c@2"], "an installed agent skips managed state");
  t.deepEqual(await ids(new SecretDesiredStore(core, "so-agent", { clusterId: a })), [
    "enabler-a@1",
  ]);
  t.regex(ofA.location, new RegExp(`so-agent/so-desired-\\* of cluster ${a}`));

  // Removing or replacing an id in one scope leaves the same id in another alone.
  await ofB.save(release(1, "enabler-a"));
  await ofA.remove("enabler-a");
  t.deepEqual(await ids(ofA), []);
  t.deepEqual((await ids(ofB)).sort(), ["enabler-a@1", "enabler-b@4"]);

  // A deleted cluster's state goes whole; the others' stays.
  t.is(await ofB.removeAll(), 2);
  t.deepEqual(await ids(ofB), []);
  t.deepEqual(await ids(installed), ["enabler-c@2"]);
});

test("cluster mode: a user who may not use Secrets gets an error that names what to grant", async (t) => {
  const { sim, core } = await secretKit();
  t.teardown(() => sim.close());
  sim.setForbidden(["secrets"]);
  const store = new SecretDesiredStore(core, "so-agent", { clusterId: "c" });
  const saved = await t.throwsAsync(store.save(release(1)));
  t.regex(
    saved.message,
    /^forbidden to create Secrets in namespace so-agent: the agent's Kubernetes user needs get, list, create, update and delete on secrets in so-agent/,
  );
  t.is((saved as { code?: number }).code, 403);
  const loaded = await t.throwsAsync(store.loadAll());
  t.regex(loaded.message, /^forbidden to list Secrets in namespace so-agent/);
});
