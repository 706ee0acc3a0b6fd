import {
  AppsV1Api,
  CoreV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1Deployment,
} from "@kubernetes/client-node";
import test from "ava";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { rejectedStatus, waitFor } from "./test-support.js";

const sims: SimulatorHandle[] = [];
test.after.always(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function sim(cluster = "name=crud,nodes=2") {
  const s = await startSimulator({ cluster, readyDelayMs: 0 });
  sims.push(s);
  const kc = simulatorKubeConfig(s.url);
  return {
    s,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

function deployment(name: string, replicas: number, cpu = "100m", memory = "64Mi"): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { "app.kubernetes.io/instance": name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: "web", image: "nginx:1.27", resources: { requests: { cpu, memory } } },
          ],
        },
      },
    },
  };
}

test("ConfigMap: create, get, update, stale update 409, duplicate 409, delete, 404", async (t) => {
  const { core } = await sim();
  const created = await core.createNamespacedConfigMap({
    namespace: "default",
    body: { metadata: { name: "cfg" }, data: { a: "1" } },
  });
  t.truthy(created.metadata?.uid);
  t.truthy(created.metadata?.creationTimestamp);
  const rv1 = Number(created.metadata?.resourceVersion);
  const dup = await rejectedStatus(() =>
    core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "cfg" } } }),
  );
  t.like(dup, { code: 409, reason: "AlreadyExists", message: 'configmaps "cfg" already exists' });

  const updated = await core.replaceNamespacedConfigMap({
    name: "cfg",
    namespace: "default",
    body: { ...created, data: { a: "2" } },
  });
  t.true(Number(updated.metadata?.resourceVersion) > rv1);
  t.is(updated.metadata?.uid, created.metadata?.uid);
  const stale = await rejectedStatus(() =>
    core.replaceNamespacedConfigMap({
      name: "cfg",
      namespace: "default",
      body: { ...created, data: { a: "3" } },
    }),
  );
  t.like(stale, { code: 409, reason: "Conflict" });
  t.regex(stale.message, /the object has been modified/);

  t.is((await core.readNamespacedConfigMap({ name: "cfg", namespace: "default" })).data?.a, "2");
  await core.deleteNamespacedConfigMap({ name: "cfg", namespace: "default" });
  const gone = await rejectedStatus(() =>
    core.readNamespacedConfigMap({ name: "cfg", namespace: "default" }),
  );
  t.like(gone, {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code: 404,
    reason: "NotFound",
  });
  t.like(gone.details, { name: "cfg", kind: "configmaps" });
  const again = await rejectedStatus(() =>
    core.deleteNamespacedConfigMap({ name: "cfg", namespace: "default" }),
  );
  t.is(again.code, 404);
  const noNs = await rejectedStatus(() =>
    core.createNamespacedConfigMap({ namespace: "missing", body: { metadata: { name: "x" } } }),
  );
  t.like(noNs, { code: 404, message: 'namespaces "missing" not found' });
  const unnamed = await rejectedStatus(() =>
    core.createNamespacedConfigMap({ namespace: "default", body: { metadata: {} } }),
  );
  t.like(unnamed, { code: 422, reason: "Invalid" });
});

test("Secret, Service, ServiceAccount, PV, Role and RoleBinding round-trip with 404/409", async (t) => {
  const { core, rbac } = await sim();
  await core.createNamespacedSecret({
    namespace: "default",
    body: { metadata: { name: "s" }, stringData: { k: "v" }, type: "Opaque" },
  });
  await core.createNamespacedService({
    namespace: "default",
    body: { metadata: { name: "svc" }, spec: { ports: [{ port: 80 }] } },
  });
  await core.createNamespacedServiceAccount({
    namespace: "default",
    body: { metadata: { name: "sa" } },
  });
  await core.createPersistentVolume({
    body: {
      metadata: { name: "pv1" },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteOnce"],
        hostPath: { path: "/tmp" },
      },
    },
  });
  await rbac.createNamespacedRole({
    namespace: "default",
    body: {
      metadata: { name: "r" },
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: "default",
    body: {
      metadata: { name: "rb" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
      subjects: [{ kind: "ServiceAccount", name: "sa", namespace: "default" }],
    },
  });
  t.is((await core.readNamespacedSecret({ name: "s", namespace: "default" })).type, "Opaque");
  t.is(
    (await core.readNamespacedService({ name: "svc", namespace: "default" })).spec?.ports?.[0]
      ?.port,
    80,
  );
  t.truthy(await core.readPersistentVolume({ name: "pv1" }));
  t.is(
    (await rbac.readNamespacedRoleBinding({ name: "rb", namespace: "default" })).roleRef.name,
    "r",
  );
  const dup = await rejectedStatus(() =>
    rbac.createNamespacedRole({ namespace: "default", body: { metadata: { name: "r" } } }),
  );
  t.like(dup, {
    code: 409,
    reason: "AlreadyExists",
    message: 'roles.rbac.authorization.k8s.io "r" already exists',
  });
  await rbac.deleteNamespacedRoleBinding({ name: "rb", namespace: "default" });
  t.is(
    (
      await rejectedStatus(() =>
        rbac.readNamespacedRoleBinding({ name: "rb", namespace: "default" }),
      )
    ).code,
    404,
  );
  await core.deleteNamespacedServiceAccount({ name: "sa", namespace: "default" });
  t.is(
    (
      await rejectedStatus(() =>
        core.deleteNamespacedServiceAccount({ name: "sa", namespace: "default" }),
      )
    ).code,
    404,
  );
});

test("server-side apply through KubernetesObjectApi.patch creates, updates, prunes and conflicts", async (t) => {
  const { objects, apps } = await sim();
  const cm = (
    data: Record<string, string>,
  ): KubernetesObject & { data: Record<string, string> } => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: "applied",
      namespace: "default",
      labels: { "app.kubernetes.io/instance": "rel" },
    },
    data,
  });
  const first = await objects.patch(
    cm({ a: "1", b: "2" }),
    undefined,
    undefined,
    "smart-orchestrator",
    true,
    PatchStrategy.ServerSideApply,
  );
  t.deepEqual((first as { data?: unknown }).data, { a: "1", b: "2" });
  const mf = first.metadata?.managedFields?.[0];
  t.like(mf, { manager: "smart-orchestrator", operation: "Apply", fieldsType: "FieldsV1" });
  t.deepEqual(
    Object.keys((mf?.fieldsV1 as Record<string, object> | undefined)?.["f:data"] ?? {}).sort(),
    ["f:a", "f:b"],
  );

  // Re-applying without "b" removes it: the manager no longer wants it.
  const second = await objects.patch(
    cm({ a: "1" }),
    undefined,
    undefined,
    "smart-orchestrator",
    true,
    PatchStrategy.ServerSideApply,
  );
  t.deepEqual((second as { data?: unknown }).data, { a: "1" });
  // A no-op apply does not bump the resourceVersion.
  const third = await objects.patch(
    cm({ a: "1" }),
    undefined,
    undefined,
    "smart-orchestrator",
    true,
    PatchStrategy.ServerSideApply,
  );
  t.is(third.metadata?.resourceVersion, second.metadata?.resourceVersion);

  // Another manager changing an owned field conflicts unless forced.
  const conflict = await rejectedStatus(() =>
    objects.patch(
      cm({ a: "other" }),
      undefined,
      undefined,
      "kubectl",
      undefined,
      PatchStrategy.ServerSideApply,
    ),
  );
  t.like(conflict, { code: 409, reason: "Conflict" });
  t.regex(conflict.message, /conflict with "smart-orchestrator" using v1: \.data\.a/);
  t.like(conflict.details?.causes?.[0], { reason: "FieldManagerConflict", field: ".data.a" });
  const forced = await objects.patch(
    cm({ a: "other" }),
    undefined,
    undefined,
    "kubectl",
    true,
    PatchStrategy.ServerSideApply,
  );
  t.is((forced as { data?: Record<string, string> }).data?.a, "other");

  // Apply needs a field manager, as on the real API.
  const noManager = await rejectedStatus(() =>
    objects.patch(
      cm({ a: "1" }),
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.ServerSideApply,
    ),
  );
  t.is(noManager.code, 400);

  // Apply of a Deployment: status is left to the controller, generation tracks spec changes.
  const d = deployment("web", 1);
  const applied = await objects.patch(
    d,
    undefined,
    undefined,
    "smart-orchestrator",
    true,
    PatchStrategy.ServerSideApply,
  );
  t.is(applied.metadata?.generation, 1);
  const scaled = await objects.patch(
    deployment("web", 2),
    undefined,
    undefined,
    "smart-orchestrator",
    true,
    PatchStrategy.ServerSideApply,
  );
  t.is(scaled.metadata?.generation, 2);
  t.is(
    (await apps.readNamespacedDeployment({ name: "web", namespace: "default" })).spec?.replicas,
    2,
  );
});

test("merge, strategic merge and JSON patches through the typed API", async (t) => {
  const { apps } = await sim();
  await apps.createNamespacedDeployment({ namespace: "default", body: deployment("patched", 1) });
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const m = await apps.patchNamespacedDeployment(
    {
      name: "patched",
      namespace: "default",
      body: { metadata: { labels: { tier: "web" } }, spec: { replicas: 3 } },
    },
    merge,
  );
  t.is(m.spec?.replicas, 3);
  t.is(m.metadata?.labels?.tier, "web");
  const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
  const s = await apps.patchNamespacedDeployment(
    {
      name: "patched",
      namespace: "default",
      body: {
        spec: { template: { spec: { containers: [{ name: "sidecar", image: "busybox" }] } } },
      },
    },
    strategic,
  );
  t.deepEqual(
    s.spec?.template.spec?.containers.map((c) => c.name),
    ["web", "sidecar"],
  );
  // The typed API's default patch type is JSON patch (application/json-patch+json).
  const j = await apps.patchNamespacedDeployment({
    name: "patched",
    namespace: "default",
    body: [{ op: "replace", path: "/spec/replicas", value: 1 }],
  });
  t.is(j.spec?.replicas, 1);
  const bad = await rejectedStatus(() =>
    apps.patchNamespacedDeployment({
      name: "patched",
      namespace: "default",
      body: [{ op: "test", path: "/spec/replicas", value: 9 }],
    }),
  );
  t.is(bad.code, 422);
  const missing = await rejectedStatus(() =>
    apps.patchNamespacedDeployment(
      { name: "nope", namespace: "default", body: { spec: {} } },
      merge,
    ),
  );
  t.is(missing.code, 404);
});

test("a Deployment becomes Available with pods bound to nodes and requests copied", async (t) => {
  const { s, apps, core } = await sim("name=wl,nodes=2,cpu=2,memory=4Gi");
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: deployment("api", 3, "250m", "128Mi"),
  });
  const ready = await waitFor("deployment available", async () => {
    const d = await apps.readNamespacedDeployment({ name: "api", namespace: "default" });
    return d.status?.readyReplicas === 3 && d.status.observedGeneration === d.metadata?.generation
      ? d
      : undefined;
  });
  t.is(ready.status?.availableReplicas, 3);
  t.like(
    ready.status?.conditions?.find((c) => c.type === "Available"),
    { status: "True", reason: "MinimumReplicasAvailable" },
  );
  const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=api" });
  t.is(pods.items.length, 3);
  for (const pod of pods.items) {
    t.truthy(pod.spec?.nodeName);
    t.is(pod.status?.phase, "Running");
    t.is(pod.spec?.containers[0]?.resources?.requests?.cpu, "250m");
    t.like(pod.metadata?.ownerReferences?.[0], {
      kind: "Deployment",
      name: "api",
      controller: true,
    });
  }
  // Spread over both nodes.
  t.is(new Set(pods.items.map((p) => p.spec?.nodeName)).size, 2);

  // Too big to fit: pods stay Pending and the Deployment is not Available.
  await apps.createNamespacedDeployment({
    namespace: "default",
    body: deployment("huge", 1, "64"),
  });
  const pending = await waitFor("unschedulable pod", async () => {
    const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=huge" });
    return list.items[0]?.status?.phase === "Pending" ? list.items[0] : undefined;
  });
  t.regex(
    pending.status?.conditions?.[0]?.message ?? "",
    /0\/2 nodes are available: 2 Insufficient cpu/,
  );
  const huge = await waitFor("huge status", async () => {
    const d = await apps.readNamespacedDeployment({ name: "huge", namespace: "default" });
    return d.status?.observedGeneration ? d : undefined;
  });
  t.is(huge.status?.readyReplicas, undefined);
  t.is(huge.status?.conditions?.find((c) => c.type === "Available")?.status, "False");

  // Deleting the Deployment collects its pods.
  await apps.deleteNamespacedDeployment({ name: "api", namespace: "default" });
  await waitFor(
    "pods collected",
    () => s.list("Pod", "default").filter((p) => p.metadata.labels?.app === "api").length === 0,
  );
  t.pass();
});

test("StatefulSet, DaemonSet and Job reach their ready states", async (t) => {
  const { s, apps, objects } = await sim("name=kinds,nodes=3,distribution=kubeadm");
  const template = (app: string) => ({
    metadata: { labels: { app } },
    spec: {
      containers: [{ name: "c", image: "busybox" }],
      restartPolicy: app === "job" ? "Never" : "Always",
    },
  });
  await apps.createNamespacedStatefulSet({
    namespace: "default",
    body: {
      metadata: { name: "db" },
      spec: {
        replicas: 2,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: template("db"),
      },
    },
  });
  await apps.createNamespacedDaemonSet({
    namespace: "default",
    body: {
      metadata: { name: "agent" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: template("agent") },
    },
  });
  await objects.create({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "once", namespace: "default" },
    spec: { template: template("job") },
  } as never);
  const sts = await waitFor("statefulset ready", async () => {
    const x = await apps.readNamespacedStatefulSet({ name: "db", namespace: "default" });
    return x.status?.readyReplicas === 2 ? x : undefined;
  });
  t.is(sts.status?.observedGeneration, 1);
  t.truthy(s.get("Pod", "default", "db-0"));
  t.truthy(s.get("Pod", "default", "db-1"));
  // The kubeadm control plane is tainted, so the DaemonSet runs on the two workers only.
  const ds = await waitFor("daemonset ready", async () => {
    const x = await apps.readNamespacedDaemonSet({ name: "agent", namespace: "default" });
    return x.status?.numberReady === 2 ? x : undefined;
  });
  t.is(ds.status?.desiredNumberScheduled, 2);
  const job = await waitFor("job complete", () => {
    const x = s.get("Job", "default", "once");
    const status = x?.status as { succeeded?: number; conditions?: { type: string }[] } | undefined;
    return status?.succeeded === 1 ? status : undefined;
  });
  t.true(job.conditions?.some((c) => c.type === "Complete"));
  // A new node gets a DaemonSet pod.
  s.addNode({ name: "kinds-worker-9" });
  await waitFor("daemonset on the new node", async () => {
    const x = await apps.readNamespacedDaemonSet({ name: "agent", namespace: "default" });
    return x.status?.numberReady === 3;
  });
  t.pass();
});

test("PVCs bind to a provisioned PV; deletecollection by label removes them and their PVs", async (t) => {
  // kubeadm's class binds at once (k3s's local-path waits for a pod: volumes.test.ts).
  const { s, core } = await sim("name=vol,nodes=1,distribution=kubeadm");
  for (const name of ["data-a", "data-b", "keep"]) {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: "default",
      body: {
        metadata: {
          name,
          labels: { "app.kubernetes.io/instance": name === "keep" ? "other" : "rel" },
        },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    });
  }
  const bound = await waitFor("claims bound", async () => {
    const list = await core.listNamespacedPersistentVolumeClaim({ namespace: "default" });
    return list.items.every((c) => c.status?.phase === "Bound") ? list : undefined;
  });
  t.is(bound.items[0]?.spec?.storageClassName, "standard");
  const pvs = await core.listPersistentVolume();
  t.is(pvs.items.length, 3);
  await core.deleteCollectionNamespacedPersistentVolumeClaim({
    namespace: "default",
    labelSelector: "app.kubernetes.io/instance=rel",
  });
  const left = await core.listNamespacedPersistentVolumeClaim({ namespace: "default" });
  t.deepEqual(
    left.items.map((c) => c.metadata?.name),
    ["keep"],
  );
  await waitFor(
    "released PVs deleted (reclaim policy Delete)",
    () => s.list("PersistentVolume").length === 1,
  );
  t.pass();
});
