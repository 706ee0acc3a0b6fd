// Immutable-field refusals and the misbehaviour knobs, over client-node.
import { AppsV1Api, BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import test from "ava";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { knobs } from "./pod-knobs.js";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { rejectedStatus, waitFor } from "./test-support.js";

let sim: SimulatorHandle;
let core: CoreV1Api;
let apps: AppsV1Api;
let batch: BatchV1Api;
test.before(async () => {
  sim = await startSimulator({ cluster: "name=bh,nodes=2", readyDelayMs: 0 });
  const kc = simulatorKubeConfig(sim.url);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  batch = kc.makeApiClient(BatchV1Api);
});
test.after.always(() => sim.close());

const template = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
  metadata: { labels, annotations },
  spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36" }] },
});

test("a Deployment's selector is immutable", async (t) => {
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "sel" },
      spec: {
        selector: { matchLabels: { app: "sel" } },
        template: template({ app: "sel", v: "1" }),
      },
    },
  });
  const live = await apps.readNamespacedDeployment({ name: "sel", namespace: "default" });
  live.spec!.selector = { matchLabels: { app: "sel", v: "1" } };
  const status = await rejectedStatus(() =>
    apps.replaceNamespacedDeployment({ name: "sel", namespace: "default", body: live }),
  );
  t.is(status.code, 422);
  t.is(status.reason, "Invalid");
  t.is(
    status.message,
    'Deployment.apps "sel" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"sel", "v":"1"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  );
});

test("a Job's template is immutable; a Service keeps its allocated clusterIP", async (t) => {
  const job = await batch.createNamespacedJob({
    namespace: "default",
    body: { metadata: { name: "once" }, spec: { template: template({ app: "once" }) } },
  });
  job.spec!.template.spec!.containers[0]!.image = "busybox:1.37";
  const status = await rejectedStatus(() =>
    batch.replaceNamespacedJob({ name: "once", namespace: "default", body: job }),
  );
  t.is(status.code, 422);
  t.regex(
    status.message,
    /^Job\.batch "once" is invalid: spec\.template: Invalid value: .*: field is immutable$/,
  );

  const svc = await core.createNamespacedService({
    namespace: "default",
    body: { metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } },
  });
  t.regex(svc.spec?.clusterIP ?? "", /^10\.43\.\d+\.\d+$/);
  svc.spec!.clusterIP = "10.43.200.200";
  const changed = await rejectedStatus(() =>
    core.replaceNamespacedService({ name: "web", namespace: "default", body: svc }),
  );
  t.is(changed.code, 422);
  t.regex(
    changed.message,
    /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.43\.200\.200"\}: may not change once set/,
  );
  t.regex(
    changed.message,
    /spec\.clusterIP: Invalid value: "10\.43\.200\.200": field is immutable/,
  );
});

test("knobs: never Ready, ImagePullBackOff, and a failing Job", async (t) => {
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "slow" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "slow" } },
        template: template({ app: "slow" }, { [knobs.neverReady]: "true" }),
      },
    },
  });
  const slow = await waitFor("slow status", async () => {
    const d = await apps.readNamespacedDeployment({ name: "slow", namespace: "default" });
    return d.status?.replicas === 2 ? d : undefined;
  });
  t.is(slow.status?.readyReplicas, undefined);
  t.is(slow.status?.conditions?.find((c) => c.type === "Available")?.status, "False");
  const slowPod = sim.list("Pod", "default").find((p) => p.metadata.labels?.app === "slow")!;
  t.is((slowPod.status as { phase: string }).phase, "Running");

  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "nopull", annotations: { [knobs.imagePullFails]: "true" } },
      spec: { containers: [{ name: "c", image: "registry.invalid/app:1" }] },
    },
  });
  const waiting = await waitFor("image pull back-off", async () => {
    const p = await core.readNamespacedPod({ name: "nopull", namespace: "default" });
    return p.status?.containerStatuses?.[0]?.state?.waiting;
  });
  t.like(waiting, {
    reason: "ImagePullBackOff",
    message: 'Back-off pulling image "registry.invalid/app:1"',
  });

  await batch.createNamespacedJob({
    namespace: "default",
    body: {
      metadata: { name: "doomed" },
      spec: { template: template({ app: "doomed" }, { [knobs.fails]: "true" }) },
    },
  });
  const failed = await waitFor("job failed", async () => {
    const j = await batch.readNamespacedJob({ name: "doomed", namespace: "default" });
    return j.status?.conditions?.find((c) => c.type === "Failed");
  });
  t.like(failed, { status: "True", reason: "BackoffLimitExceeded" });
});

test("owner references are collected: Background, Foreground and Orphan", async (t) => {
  const owner = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "owner" } },
  });
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! };
  await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "child", ownerReferences: [ref] } },
  });
  await core.createNamespacedSecret({
    namespace: "default",
    body: { metadata: { name: "grandchild-owner-is-child", ownerReferences: [] } },
  });
  await core.deleteNamespacedConfigMap({ name: "owner", namespace: "default" });
  await waitFor("child collected", () => !sim.get("ConfigMap", "default", "child"));
  t.truthy(sim.get("Secret", "default", "grandchild-owner-is-child"), "unrelated objects stay");

  // Foreground: the owner is marked first, its pods go, then the owner.
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "fg" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "fg" } },
        template: template({ app: "fg" }),
      },
    },
  });
  const pods = () => sim.list("Pod", "default").filter((p) => p.metadata.labels?.app === "fg");
  await waitFor("fg pods", () => pods().length === 2);
  // client-node reads a delete's answer as a Status; the API answers with the marked object.
  const res = await fetch(`${sim.url}/apis/apps/v1/namespaces/default/deployments/fg`, {
    method: "DELETE",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Foreground",
    }),
  });
  const marked = (await res.json()) as {
    metadata?: { deletionTimestamp?: unknown; finalizers?: string[] };
  };
  t.truthy(marked.metadata?.deletionTimestamp);
  t.deepEqual(marked.metadata?.finalizers, ["foregroundDeletion"]);
  await waitFor(
    "fg and its pods gone",
    () => !sim.get("Deployment", "default", "fg") && pods().length === 0,
  );

  // Orphan: the pods stay, without the reference.
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: {
      metadata: { name: "orph" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "orph" } },
        template: template({ app: "orph" }),
      },
    },
  });
  const orphans = () => sim.list("Pod", "default").filter((p) => p.metadata.labels?.app === "orph");
  await waitFor("orph pod", () => orphans().length === 1);
  await apps.deleteNamespacedDeployment({
    name: "orph",
    namespace: "default",
    body: { propagationPolicy: "Orphan" },
  });
  t.is(sim.get("Deployment", "default", "orph"), undefined);
  t.is(orphans().length, 1);
  t.is(orphans()[0]?.metadata.ownerReferences, undefined);
});
