// Server-side Tables (kubectl get), SelfSubjectAccessReview (kubectl auth
// can-i) and required node affinity, checked over HTTP in-process; the
// conformance suite checks the same with the real kubectl.
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import test from "ava";
import type { KubeObject } from "./kube-object.js";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from "./simulator.js";
import { humanDuration } from "./table-printers.js";
import { waitFor } from "./test-support.js";

const sims: SimulatorHandle[] = [];
test.after.always(() => Promise.all(sims.map((s) => s.close())));
async function sim(cluster: string, extra: SimulatorOptions = {}) {
  const s = await startSimulator({ cluster, readyDelayMs: 0, ...extra });
  sims.push(s);
  return s;
}

const tableAccept =
  "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string };
  columnDefinitions?: { name: string; priority: number; type: string }[];
  rows: { cells: unknown[]; object?: { kind: string; metadata: { name: string } } }[];
}
async function table(s: SimulatorHandle, path: string, accept = tableAccept): Promise<Table> {
  const res = await fetch(s.url + path, { headers: { accept } });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Table;
}

test("humanDuration prints ages as kubectl does", (t) => {
  const s = 1000;
  t.is(humanDuration(59 * s), "59s");
  t.is(humanDuration(119 * s), "119s");
  t.is(humanDuration(150 * s), "2m30s");
  t.is(humanDuration(45 * 60 * s), "45m");
  t.is(humanDuration((3 * 3600 + 5 * 60) * s), "3h5m");
  t.is(humanDuration(30 * 3600 * s), "30h");
  t.is(humanDuration((3 * 24 + 4) * 3600 * s), "3d4h");
  t.is(humanDuration(40 * 24 * 3600 * s), "40d");
});

test("nodes as a Table: NAME STATUS ROLES AGE VERSION, wide columns at priority 1", async (t) => {
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const s = await sim("name=pi,nodes=3,arch=arm64,distribution=k3s", { clock: () => clock });
  clock += 5 * 60_000;
  s.setNodeReady("pi-agent-2", false);
  const tb = await table(s, "/api/v1/nodes");
  t.is(tb.kind, "Table");
  t.is(tb.apiVersion, "meta.k8s.io/v1");
  t.truthy(tb.metadata.resourceVersion);
  t.deepEqual(
    tb.columnDefinitions?.filter((c) => c.priority === 0).map((c) => c.name),
    ["Name", "Status", "Roles", "Age", "Version"],
  );
  t.deepEqual(
    tb.columnDefinitions?.filter((c) => c.priority === 1).map((c) => c.name),
    ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
  );
  const rows = Object.fromEntries(tb.rows.map((r) => [r.cells[0], r.cells]));
  t.deepEqual(rows["pi-server"]?.slice(0, 5), [
    "pi-server",
    "Ready",
    "control-plane,master",
    "5m",
    s.spec.version,
  ]);
  t.is(rows["pi-agent-2"]?.[1], "NotReady");
  t.is(rows["pi-agent-1"]?.[2], "<none>");
  // Rows carry PartialObjectMetadata unless asked otherwise.
  t.is(tb.rows[0]?.object?.kind, "PartialObjectMetadata");
  const full = await table(s, "/api/v1/nodes?includeObject=Object");
  t.is(full.rows[0]?.object?.kind, "Node");
  const none = await table(s, "/api/v1/nodes/pi-server?includeObject=None");
  t.is(none.rows.length, 1);
  t.is(none.rows[0]?.object, undefined);
  // Without the Table Accept header the same path is a NodeList.
  const plain = (await (await fetch(`${s.url}/api/v1/nodes`)).json()) as { kind: string };
  t.is(plain.kind, "NodeList");
  // A client that only knows v1beta1 gets v1beta1.
  const beta = await table(s, "/api/v1/nodes", "application/json;as=Table;v=v1beta1;g=meta.k8s.io");
  t.is(beta.apiVersion, "meta.k8s.io/v1beta1");
});

test("pods as a Table show READY and STATUS from container statuses", async (t) => {
  const s = await sim("name=tb,nodes=1");
  const core = simulatorKubeConfig(s.url).makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "two" },
      spec: {
        containers: [
          { name: "a", image: "nginx" },
          { name: "b", image: "redis" },
        ],
      },
    },
  });
  const row = await waitFor("pod row Running", async () => {
    const tb = await table(s, "/api/v1/namespaces/default/pods");
    const r = tb.rows.find((x) => x.cells[0] === "two");
    return r?.cells[2] === "Running" ? r : undefined;
  });
  t.deepEqual(row.cells.slice(0, 4), ["two", "2/2", "Running", "0"]);
  const cols = (await table(s, "/api/v1/pods")).columnDefinitions?.map((c) => c.name);
  t.deepEqual(cols?.slice(0, 5), ["Name", "Ready", "Status", "Restarts", "Age"]);
});

test("a Table watch sends column definitions with the first event only", async (t) => {
  const s = await sim("name=tw,nodes=2");
  const ctrl = new AbortController();
  const res = await fetch(`${s.url}/api/v1/nodes?watch=true`, {
    headers: { accept: tableAccept },
    signal: ctrl.signal,
  });
  const reader = res.body!.getReader();
  let text = "";
  while (text.split("\n").length < 3) {
    const { value } = await reader.read();
    text += new TextDecoder().decode(value);
  }
  ctrl.abort();
  const events = text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; object: Table });
  t.is(events[0]?.type, "ADDED");
  t.is(events[0]?.object.kind, "Table");
  t.truthy(events[0]?.object.columnDefinitions);
  t.is(events[1]?.object.columnDefinitions, undefined);
  t.is(events[1]?.object.rows.length, 1);
});

test("SelfSubjectAccessReview answers from the permission rules", async (t) => {
  const s = await sim("name=ssar,nodes=1", {
    forbid: ["secrets", "nodes/proxy", "metrics.k8s.io"],
  });
  const review = async (resourceAttributes: Record<string, string>) => {
    const res = await fetch(`${s.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        kind: "SelfSubjectAccessReview",
        apiVersion: "authorization.k8s.io/v1",
        spec: { resourceAttributes },
      }),
    });
    t.is(res.status, 201);
    return ((await res.json()) as { status: { allowed: boolean } }).status.allowed;
  };
  t.true(await review({ verb: "create", group: "apps", resource: "deployments", namespace: "x" }));
  t.false(await review({ verb: "get", group: "", resource: "secrets", namespace: "default" }));
  t.false(await review({ verb: "get", group: "", resource: "nodes", subresource: "proxy" }));
  t.true(await review({ verb: "get", group: "", resource: "nodes" }));
  t.false(await review({ verb: "list", group: "metrics.k8s.io", resource: "pods" }));
  // Live: the rules can change, and the review follows.
  s.setForbidden([]);
  t.true(await review({ verb: "get", group: "", resource: "secrets", namespace: "default" }));
  const bad = await fetch(`${s.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      kind: "SelfSubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      spec: {},
    }),
  });
  t.is(bad.status, 422);
  t.regex(
    ((await bad.json()) as { message: string }).message,
    /exactly one of nonResourceAttributes or resourceAttributes/,
  );
});

test("required node affinity on kubernetes.io/arch places pods only on matching nodes", async (t) => {
  const s = await sim("name=mixed,nodes=2,arch=amd64");
  s.addNode({ name: "pi-1", labels: { "kubernetes.io/arch": "arm64" } });
  const apps = simulatorKubeConfig(s.url).makeApiClient(AppsV1Api);
  const affinity = (op: string, values: string[]) => ({
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/arch", operator: op, values }] },
        ],
      },
    },
  });
  const deploy = (name: string, aff: object) =>
    apps.createNamespacedDeployment({
      namespace: "default",
      body: {
        metadata: { name },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { affinity: aff, containers: [{ name: "c", image: "busybox" }] },
          },
        },
      },
    });
  await deploy("arm-only", affinity("In", ["arm64"]));
  await deploy("not-arm", affinity("NotIn", ["arm64"]));
  await deploy("nowhere", affinity("In", ["riscv64"]));
  const placed = (app: string) =>
    s.list("Pod", "default").filter((p) => p.metadata.labels?.app === app);
  const nodeOf = (p: KubeObject) => (p.spec as { nodeName?: string }).nodeName;
  await waitFor(
    "arm-only pods bound",
    () => placed("arm-only").every(nodeOf) && placed("arm-only").length === 3,
  );
  t.deepEqual([...new Set(placed("arm-only").map(nodeOf))], ["pi-1"]);
  await waitFor(
    "not-arm pods bound",
    () => placed("not-arm").every(nodeOf) && placed("not-arm").length === 3,
  );
  t.false(placed("not-arm").some((p) => nodeOf(p) === "pi-1"));
  const pending = await waitFor("nowhere pods pending", () => {
    const ps = placed("nowhere");
    return ps.length === 3 ? ps : undefined;
  });
  for (const p of pending) {
    t.is(nodeOf(p), undefined);
    const cond = (p.status as { conditions: { type: string; message: string }[] }).conditions[0];
    t.is(
      cond?.message,
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    );
  }
});
