import { FailureKind } from "@smart-orchestrator/shared";
import test from "ava";
import { CommandFailure } from "../apply/command-failure.js";
import type { KubeObject } from "../apply/release-labels.js";
import {
  applyInput,
  type EngineKit,
  quietLog,
  startEngineKit,
  virtualClock,
} from "../apply/testing/engine-kit.js";
import { MemoryDesiredStore } from "./memory-desired-store.js";
import { ReleaseKeeper } from "./release-keeper.js";
import { VolumeRemover } from "./volume-remover.js";

const none = () => {};
let kit: EngineKit;
test.beforeEach(async () => {
  // kubeadm's default class binds claims at once; k3s's local-path waits for a consuming pod.
  kit = await startEngineKit(undefined, "name=t,nodes=1,cpu=4,memory=8Gi,distribution=kubeadm");
});
test.afterEach.always(async () => {
  await kit.close();
});

const claim = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "shop", ...(labels ? { labels } : {}) },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
});

// As the alertmanager chart renders it: a StatefulSet with a claim template named "storage".
const statefulSet: KubeObject = {
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "alertmanager" },
  spec: {
    replicas: 2,
    serviceName: "alertmanager",
    selector: { matchLabels: { app: "alertmanager" } },
    template: {
      metadata: { labels: { app: "alertmanager" } },
      spec: { containers: [{ name: "am", image: "prom/alertmanager" }] },
    },
    volumeClaimTemplates: [
      {
        metadata: { name: "storage" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    ],
  },
};

const pvcRef = (name: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  namespace: "shop",
  name,
});

async function volumeOf(name: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const v = ((await kit.client.get(pvcRef(name)))?.spec as { volumeName?: string })?.volumeName;
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${name} never bound`);
}

const pvExists = async (name: string) =>
  (await kit.client.get({ apiVersion: "v1", kind: "PersistentVolume", name })) !== undefined;

test.serial(
  "a release's claims and their volumes, Retain included, are deleted after the release; refused while it runs",
  async (t) => {
    const keeper = new ReleaseKeeper({
      engine: kit.engine(),
      store: new MemoryDesiredStore(),
      volumes: new VolumeRemover(kit.client, virtualClock()),
      log: quietLog,
    });
    const input = applyInput([statefulSet, claim("extra")]);
    await keeper.apply(input, none);
    // The simulated StatefulSet controller makes storage-alertmanager-{0,1}, with no release label.
    await kit.createAs("kubectl", claim("other-data"));
    const retained = await volumeOf("storage-alertmanager-0");
    const extraVolume = await volumeOf("extra");
    await volumeOf("storage-alertmanager-1");
    // An operator set this one to Retain, so deleting its claim alone would keep the data.
    await fetch(`${kit.sim.url}/api/v1/persistentvolumes/${retained}?fieldManager=kubectl-patch`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ spec: { persistentVolumeReclaimPolicy: "Retain" } }),
    });
    await fetch(
      `${kit.sim.url}/api/v1/persistentvolumes/${extraVolume}?fieldManager=kubectl-patch`,
      {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify({ spec: { persistentVolumeReclaimPolicy: "Retain" } }),
      },
    );

    const volumes = { ...input, force: false, timeoutMs: 10_000 };
    const refused = await keeper.deleteVolumes(volumes, none).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.true(refused instanceof CommandFailure);
    t.is((refused as CommandFailure).kind, FailureKind.FAILURE_KIND_IN_USE);
    t.regex((refused as CommandFailure).message, /StatefulSet shop\/alertmanager/);
    t.truthy(
      await kit.client.get(pvcRef("storage-alertmanager-0")),
      "nothing deleted when refused",
    );

    await keeper.delete({ ...input, timeoutMs: 10_000 }, none);
    t.is(await kit.client.get(pvcRef("extra")), undefined, "the release's own claim went with it");
    t.true(await pvExists(extraVolume), "its Retain volume stayed, Released");
    t.true(await pvExists(retained));

    const out = await keeper.deleteVolumes(volumes, none);
    const names = out.objects.map((o) => `${o.kind}/${o.name}`).sort();
    t.deepEqual(
      names.filter((n) => n.startsWith("PersistentVolumeClaim/")),
      [
        "PersistentVolumeClaim/storage-alertmanager-0",
        "PersistentVolumeClaim/storage-alertmanager-1",
      ],
    );
    t.true(names.includes(`PersistentVolume/${retained}`));
    t.true(names.includes(`PersistentVolume/${extraVolume}`));
    t.false(await pvExists(retained), "the Retain volume is gone");
    t.false(await pvExists(extraVolume), "so is the one whose claim went with the release");
    t.is(await kit.client.get(pvcRef("storage-alertmanager-1")), undefined);
    t.truthy(await kit.client.get(pvcRef("other-data")), "someone else's claim is untouched");
  },
);

test.serial("force deletes the volumes while the workloads still run", async (t) => {
  const keeper = new ReleaseKeeper({
    engine: kit.engine(),
    store: new MemoryDesiredStore(),
    volumes: new VolumeRemover(kit.client, virtualClock()),
    log: quietLog,
  });
  const input = applyInput([statefulSet]);
  await keeper.apply(input, none);
  await volumeOf("storage-alertmanager-0");
  const out = await keeper.deleteVolumes({ ...input, force: true, timeoutMs: 10_000 }, none);
  t.true(out.objects.some((o) => o.name === "storage-alertmanager-0"));
  t.is(await kit.client.get(pvcRef("storage-alertmanager-0")), undefined);
});

// The waiter's own tests show a watch event ending such a wait; here, that the remover uses it.
test.serial("deleted claims are seen gone by list and watch, with no GET per claim", async (t) => {
  let claimReads = 0;
  const counting = new Proxy(kit.client, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== "get") return typeof value === "function" ? value.bind(target) : value;
      return (ref: { kind: string; name: string }) => {
        if (ref.kind === "PersistentVolumeClaim") claimReads++;
        return target.get(ref as never);
      };
    },
  });
  const keeper = new ReleaseKeeper({
    engine: kit.engine(),
    store: new MemoryDesiredStore(),
    volumes: new VolumeRemover(counting, virtualClock()),
    log: quietLog,
  });
  const input = applyInput([claim("one"), claim("two")]);
  await keeper.apply(input, none);
  const out = await keeper.deleteVolumes({ ...input, force: true, timeoutMs: 10_000 }, none);
  t.deepEqual(
    out.objects
      .filter((o) => o.kind === "PersistentVolumeClaim")
      .map((o) => o.name)
      .sort(),
    ["one", "two"],
  );
  t.is(await kit.client.get(pvcRef("one")), undefined);
  t.is(claimReads, 0, "the wait read no claim one by one");
});
