// StorageClasses, WaitForFirstConsumer, reclaim policies and StatefulSet
// volumeClaimTemplates, over client-node.
import { AppsV1Api, CoreV1Api, StorageV1Api } from "@kubernetes/client-node";
import test from "ava";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { waitFor } from "./test-support.js";

let sim: SimulatorHandle;
let core: CoreV1Api;
let apps: AppsV1Api;
let storage: StorageV1Api;
test.before(async () => {
  sim = await startSimulator({ cluster: "name=vols,nodes=2,distribution=k3s", readyDelayMs: 0 });
  const kc = simulatorKubeConfig(sim.url);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  storage = kc.makeApiClient(StorageV1Api);
});
test.after.always(() => sim.close());

const claim = (name: string, storageClassName?: string) => ({
  metadata: { name },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "2Gi" } },
    ...(storageClassName ? { storageClassName } : {}),
  },
});
const phase = async (name: string) =>
  (await core.readNamespacedPersistentVolumeClaim({ name, namespace: "default" })).status?.phase;

test("k3s's default local-path class waits for the first consumer, then binds on its node", async (t) => {
  const classes = await storage.listStorageClass();
  t.like(classes.items[0], {
    metadata: { name: "local-path" },
    provisioner: "rancher.io/local-path",
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  });
  await core.createNamespacedPersistentVolumeClaim({ namespace: "default", body: claim("lazy") });
  // No pod yet: a real claim stays Pending; give the controller a pod's worth of chances.
  await core.createNamespacedPod({
    namespace: "default",
    body: { metadata: { name: "other" }, spec: { containers: [{ name: "c", image: "busybox" }] } },
  });
  await waitFor(
    "unrelated pod running",
    () =>
      (sim.get("Pod", "default", "other")?.status as { phase?: string } | undefined)?.phase ===
      "Running",
  );
  t.is(await phase("lazy"), "Pending");
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "user" },
      spec: {
        containers: [{ name: "c", image: "busybox" }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "lazy" } }],
      },
    },
  });
  await waitFor("claim bound", async () => (await phase("lazy")) === "Bound");
  const pvc = await core.readNamespacedPersistentVolumeClaim({
    name: "lazy",
    namespace: "default",
  });
  const node = (sim.get("Pod", "default", "user")?.spec as { nodeName?: string } | undefined)
    ?.nodeName;
  t.is(pvc.metadata?.annotations?.["volume.kubernetes.io/selected-node"], node);
  const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
  t.is(pv.spec?.persistentVolumeReclaimPolicy, "Delete");
  t.is(
    pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values?.[0],
    node,
  );
});

test("reclaimPolicy Retain leaves the volume Released when its claim goes; Delete removes it", async (t) => {
  await storage.createStorageClass({
    body: {
      metadata: { name: "keep" },
      provisioner: "rancher.io/local-path",
      reclaimPolicy: "Retain",
      volumeBindingMode: "Immediate",
    },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: "default",
    body: claim("kept", "keep"),
  });
  await waitFor("kept bound", async () => (await phase("kept")) === "Bound");
  const volume = (
    await core.readNamespacedPersistentVolumeClaim({ name: "kept", namespace: "default" })
  ).spec!.volumeName!;
  await core.deleteNamespacedPersistentVolumeClaim({ name: "kept", namespace: "default" });
  const released = await waitFor("released", async () => {
    const pv = await core.readPersistentVolume({ name: volume });
    return pv.status?.phase === "Released" ? pv : undefined;
  });
  t.is(released.spec?.claimRef?.name, "kept");
  // A class that does not exist: the claim stays Pending (no provisioner).
  await core.createNamespacedPersistentVolumeClaim({
    namespace: "default",
    body: claim("orphan", "nope"),
  });
  await waitFor(
    "unrelated pod seen",
    () => sim.list("PersistentVolumeClaim", "default").length > 0,
  );
  t.is(await phase("orphan"), "Pending");
});

test("StatefulSet volumeClaimTemplates make <template>-<set>-<ordinal> claims labelled as the controller does", async (t) => {
  await apps.createNamespacedStatefulSet({
    namespace: "default",
    body: {
      metadata: { name: "db" },
      spec: {
        replicas: 2,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: {
          metadata: { labels: { app: "db" } },
          spec: { containers: [{ name: "pg", image: "postgres:16" }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data", labels: { tier: "storage" } },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } } },
          },
        ],
      },
    },
  });
  const claims = await waitFor("two bound claims", async () => {
    const list = await core.listNamespacedPersistentVolumeClaim({
      namespace: "default",
      labelSelector: "app=db",
    });
    return list.items.length === 2 && list.items.every((c) => c.status?.phase === "Bound")
      ? list.items
      : undefined;
  });
  t.deepEqual(claims.map((c) => c.metadata?.name).sort(), ["data-db-0", "data-db-1"]);
  for (const c of claims) t.deepEqual(c.metadata?.labels, { tier: "storage", app: "db" });
  const pod = await core.readNamespacedPod({ name: "db-0", namespace: "default" });
  t.like(pod.spec?.volumes?.find((v) => v.name === "data")?.persistentVolumeClaim, {
    claimName: "data-db-0",
  });
  // Claims outlive their pods (retention policy Retain, the default).
  await core.deleteNamespacedPod({ name: "db-0", namespace: "default" });
  t.truthy(sim.get("PersistentVolumeClaim", "default", "data-db-0"));
});
