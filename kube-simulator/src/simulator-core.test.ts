import { CoreV1Api, type KubernetesObject, makeInformer, Watch } from "@kubernetes/client-node";
import test from "ava";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { rejectedStatus, waitFor } from "./test-support.js";

const sims: SimulatorHandle[] = [];
test.after.always(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function sim(cluster: string, extra: Parameters<typeof startSimulator>[0] = {}) {
  const s = await startSimulator({ cluster, readyDelayMs: 0, ...extra });
  sims.push(s);
  const kc = simulatorKubeConfig(s.url);
  return { s, kc, core: kc.makeApiClient(CoreV1Api) };
}

test("discovery answers /version, /api, /api/v1, /apis and group resource lists", async (t) => {
  const { s } = await sim("name=disc,nodes=1,distribution=k3s,version=v1.31.4+k3s1");
  const get = async (path: string) => {
    const res = await fetch(s.url + path);
    t.is(res.status, 200, path);
    return (await res.json()) as Record<string, unknown>;
  };
  const version = await get("/version");
  t.is(version.gitVersion, "v1.31.4+k3s1");
  t.is(version.minor, "31");
  t.deepEqual((await get("/api")).versions, ["v1"]);
  const v1 = (await get("/api/v1")) as { resources: { name: string; namespaced: boolean }[] };
  t.true(v1.resources.some((r) => r.name === "pods" && r.namespaced));
  t.true(v1.resources.some((r) => r.name === "nodes/proxy"));
  const apis = (await get("/apis")) as { groups: { name: string }[] };
  t.deepEqual(
    apis.groups.map((g) => g.name),
    [
      "apps",
      "batch",
      "storage.k8s.io",
      "networking.k8s.io",
      "policy",
      "autoscaling",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "apiextensions.k8s.io",
      "rbac.authorization.k8s.io",
      "authorization.k8s.io",
      "metrics.k8s.io",
    ],
  );
  const apps = (await get("/apis/apps/v1")) as { resources: { name: string; kind: string }[] };
  t.true(apps.resources.some((r) => r.name === "deployments" && r.kind === "Deployment"));
  t.is((await fetch(`${s.url}/apis/nope/v1`)).status, 404);
});

test("lists and gets nodes and pods with label and field selectors", async (t) => {
  const { core } = await sim("name=sel,nodes=3,distribution=kubeadm,label.zone=edge");
  const nodes = await core.listNode();
  t.deepEqual(
    nodes.items.map((n) => n.metadata?.name),
    ["sel-control-plane", "sel-worker-1", "sel-worker-2"],
  );
  t.truthy(nodes.metadata?.resourceVersion);
  const cp = await core.listNode({ labelSelector: "node-role.kubernetes.io/control-plane" });
  t.deepEqual(
    cp.items.map((n) => n.metadata?.name),
    ["sel-control-plane"],
  );
  const workers = await core.listNode({
    labelSelector: "!node-role.kubernetes.io/control-plane,zone in (edge,cloud)",
  });
  t.is(workers.items.length, 2);
  const none = await core.listNode({ labelSelector: "zone notin (edge)" });
  t.is(none.items.length, 0);
  const one = await core.listNode({ fieldSelector: "metadata.name=sel-worker-2" });
  t.deepEqual(
    one.items.map((n) => n.metadata?.name),
    ["sel-worker-2"],
  );
  const node = await core.readNode({ name: "sel-worker-1" });
  t.is(node.status?.nodeInfo?.kubeletVersion, "v1.31.4");

  const onCp = await core.listPodForAllNamespaces({
    fieldSelector: "spec.nodeName=sel-control-plane,status.phase=Running",
  });
  t.true(onCp.items.some((p) => p.metadata?.name === "etcd-sel-control-plane"));
  t.true(onCp.items.every((p) => p.spec?.nodeName === "sel-control-plane"));
  const notRunning = await core.listPodForAllNamespaces({ fieldSelector: "status.phase!=Running" });
  t.is(notRunning.items.length, 0);
  const inDefault = await core.listNamespacedPod({ namespace: "default" });
  t.is(inDefault.items.length, 0);

  const bad = await rejectedStatus(() => core.listNode({ labelSelector: "a in (b" }));
  t.is(bad.code, 400);
  const badField = await rejectedStatus(() => core.listNode({ fieldSelector: "spec.nodeName=x" }));
  t.is(badField.code, 400);
  t.regex(badField.message, /field label not supported: spec.nodeName/);
  const missing = await rejectedStatus(() => core.readNode({ name: "nope" }));
  t.like(missing, {
    kind: "Status",
    status: "Failure",
    reason: "NotFound",
    code: 404,
    message: 'nodes "nope" not found',
  });
});

test("namespaces list, get and watch", async (t) => {
  const { core, kc } = await sim("name=ns");
  const list = await core.listNamespace();
  t.deepEqual(
    list.items.map((n) => n.metadata?.name),
    ["default", "kube-node-lease", "kube-public", "kube-system"],
  );
  const events: string[] = [];
  const watch = new Watch(kc);
  const req = await watch.watch(
    "/api/v1/namespaces",
    { resourceVersion: list.metadata?.resourceVersion },
    (type, obj: KubernetesObject) => events.push(`${type} ${obj.metadata?.name}`),
    () => {},
  );
  await core.createNamespace({ body: { metadata: { name: "apps" } } });
  await core.deleteNamespace({ name: "apps" });
  await waitFor("namespace events", () => events.length >= 2);
  req.abort();
  t.deepEqual(events, ["ADDED apps", "DELETED apps"]);
});

test("the real client-node informer sees add, update and delete of nodes", async (t) => {
  const { s, kc, core } = await sim("name=inf,nodes=2");
  const informer = makeInformer(kc, "/api/v1/nodes", () => core.listNode());
  const seen: string[] = [];
  informer.on("add", (n) => seen.push(`add ${n.metadata?.name}`));
  informer.on("update", (n) => seen.push(`update ${n.metadata?.name}`));
  informer.on("delete", (n) => seen.push(`delete ${n.metadata?.name}`));
  await informer.start();
  t.teardown(() => informer.stop());
  await waitFor("initial adds", () => seen.length >= 2);
  const added = s.addNode();
  await waitFor("add of the new node", () => seen.includes(`add ${added}`));
  s.setNodeReady(added, false);
  await waitFor("update", () => seen.includes(`update ${added}`));
  const cached = informer.get(added);
  t.is(cached?.status?.conditions?.find((c) => c.type === "Ready")?.status, "False");
  s.removeNode(added);
  await waitFor("delete", () => seen.includes(`delete ${added}`));
  t.deepEqual(seen, [
    "add inf-agent-1",
    "add inf-server",
    `add ${added}`,
    `update ${added}`,
    `delete ${added}`,
  ]);
});

test("a pod informer with a label selector sees pods enter and leave the selector", async (t) => {
  const { kc, core } = await sim("name=podinf,nodes=1");
  const informer = makeInformer(
    kc,
    "/api/v1/namespaces/default/pods",
    () => core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" }),
    "app=web",
  );
  const seen: string[] = [];
  informer.on("add", (p) => seen.push(`add ${p.metadata?.name}`));
  informer.on("delete", (p) => seen.push(`delete ${p.metadata?.name}`));
  await informer.start();
  t.teardown(() => informer.stop());
  const pod = (name: string, app: string) => ({
    metadata: { name, labels: { app } },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  });
  await core.createNamespacedPod({ namespace: "default", body: pod("other", "db") });
  await core.createNamespacedPod({ namespace: "default", body: pod("web-1", "web") });
  await waitFor("web-1 added", () => seen.includes("add web-1"));
  const live = await core.readNamespacedPod({ name: "other", namespace: "default" });
  live.metadata!.labels = { app: "web" };
  await core.replaceNamespacedPod({ name: "other", namespace: "default", body: live });
  await waitFor("other moved into the selector", () => seen.includes("add other"));
  await core.deleteNamespacedPod({ name: "web-1", namespace: "default" });
  await waitFor("web-1 deleted", () => seen.includes("delete web-1"));
  t.deepEqual(seen, ["add web-1", "add other", "delete web-1"]);
});

test("a watch from a compacted resourceVersion gets a 410 Expired ERROR event and the informer relists", async (t) => {
  const { s, kc, core } = await sim("name=gone,nodes=1");
  const list = await core.listNode();
  s.addNode({ name: "late" });
  s.compactWatchHistory();
  const events: { type: string; obj: { code?: number; reason?: string } }[] = [];
  let ended = false;
  await new Watch(kc).watch(
    "/api/v1/nodes",
    { resourceVersion: list.metadata?.resourceVersion },
    (type, obj) => events.push({ type, obj }),
    () => {
      ended = true;
    },
  );
  await waitFor("the stream to end", () => ended);
  t.is(events.length, 1);
  t.is(events[0]?.type, "ERROR");
  t.like(events[0]?.obj, { code: 410, reason: "Expired" });

  // The informer resumes from its last version; after a compaction it must relist and still see changes.
  const informer = makeInformer(kc, "/api/v1/nodes", () => core.listNode());
  const names = new Set<string>();
  informer.on("add", (n) => names.add(n.metadata!.name!));
  let errors = 0;
  informer.on("error", () => errors++);
  await informer.start();
  t.teardown(() => informer.stop());
  await waitFor("initial list", () => names.has("late"));
  s.compactWatchHistory();
  s.addNode({ name: "later" });
  await waitFor("add after compaction", () => names.has("later"));
  t.is(errors, 0);
});

test("watch honours timeoutSeconds, bookmarks and sendInitialEvents", async (t) => {
  const { s } = await sim("name=bm,nodes=2", { bookmarkIntervalMs: 20 });
  const res = await fetch(
    `${s.url}/api/v1/nodes?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&timeoutSeconds=1`,
  );
  t.is(res.status, 200);
  const text = await res.text();
  const lines = text
    .trim()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          object: { metadata: { name?: string; annotations?: Record<string, string> } };
        },
    );
  t.deepEqual(
    lines.slice(0, 2).map((l) => l.type),
    ["ADDED", "ADDED"],
  );
  t.is(lines[2]?.type, "BOOKMARK");
  t.is(lines[2]?.object.metadata.annotations?.["k8s.io/initial-events-end"], "true");
  t.true(
    lines.slice(3).some((l) => l.type === "BOOKMARK"),
    "periodic bookmarks arrive",
  );
  const bad = await fetch(`${s.url}/api/v1/nodes?watch=true&resourceVersion=abc`);
  t.is(bad.status, 400);
});
