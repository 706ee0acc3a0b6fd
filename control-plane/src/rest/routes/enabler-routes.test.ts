import test from "ava";
import { startTestPlane } from "../../testing/test-plane.js";

const manifests = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "b" }, spec: { ports: [{ port: 80 }] } },
];

async function planeWithCluster() {
  const p = await startTestPlane();
  const c = await p.api("POST", "/clusters", { body: { name: "edge-1", cni: "flannel" } });
  return { p, clusterId: c.body.uid as string };
}

test("the original body, with PlacementPolicy and a cluster name, is stored Pending with the reason", async (t) => {
  const { p, clusterId } = await planeWithCluster();
  t.teardown(() => p.close());
  const res = await p.api("POST", "/enabler", {
    body: {
      name: "web",
      manifests,
      values: null,
      cluster: "edge-1",
      version: null,
      timeout: "2m30s",
      auto: false,
      PlacementPolicy: "best-fit",
    },
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  t.deepEqual(Object.keys(res.body), ["uid"]);
  const list = await p.api("GET", "/enabler");
  t.like(list.body[0], {
    uid: res.body.uid,
    name: "web",
    cluster: clusterId,
    namespace: "default",
    timeout: "2m30s",
    placementPolicy: "best-fit",
    status: "Pending",
  });
  for (const key of [clusterId, "edge-1"]) {
    const byCluster = await p.api("GET", `/enabler/cluster/${key}`);
    t.is(byCluster.body.length, 1, key);
    t.is(byCluster.body[0].clusterName, "edge-1");
  }
  const one = await p.api("GET", `/enabler/${res.body.uid}`);
  t.like(one.body, {
    status: "Pending",
    currentRevision: 1,
    operation: { name: "deploy", revision: 1 },
  });
  t.regex(one.body.statusReason, /waiting for cluster edge-1 to connect/);
  t.is(one.body.revisions[0].objectCount, 2);
  t.is(one.body.moves.length, 1);

  const busy = await p.api("POST", `/enabler/upgrade/${res.body.uid}`, { body: { manifests } });
  t.is(busy.status, 409);
  t.regex(busy.body.message, /deploy of revision 1 is in flight/);

  // The cluster never connects: only Force removes it; the delete stays queued.
  const waited = await p.api("DELETE", `/enabler/${res.body.uid}`, { headers: { Timeout: "0s" } });
  t.is(waited.status, 409);
  const forced = await p.api("DELETE", `/enabler/${res.body.uid}`, { headers: { Force: "true" } });
  t.is(forced.status, 200);
  t.is(forced.body.code, 200);
  t.deepEqual((await p.api("GET", "/enabler")).body, []);

  // The tombstone answers GET, and the volume delete names the missing cluster.
  const grave = await p.api("GET", `/enabler/${res.body.uid}`);
  t.like(grave.body, { status: "Deleted", name: "web", deleteQueued: true, clusterName: "edge-1" });
  t.regex(grave.body.statusReason, /kept until .* for DELETE \/enabler\/volumes\//);
  const volumes = await p.api("DELETE", `/enabler/volumes/${res.body.uid}`, {
    headers: { Force: "TRUE" },
  });
  t.is(volumes.status, 409);
  t.regex(volumes.body.message, /cluster edge-1 is not connected; nothing was queued/);
  const bad = await p.api("DELETE", `/enabler/volumes/${res.body.uid}`, {
    headers: { Force: "maybe" },
  });
  t.is(bad.status, 400);
  t.regex(bad.body.message, /header Force/);
  t.is((await p.api("DELETE", "/enabler/volumes/nope")).status, 404);
});

test("bad bodies get 400 or 404 naming the field, and store nothing", async (t) => {
  const { p } = await planeWithCluster();
  t.teardown(() => p.close());
  const base = { name: "web", cluster: "edge-1", manifests };
  const cases: Array<[Record<string, unknown>, number, string]> = [
    [{ ...base, name: "Web_1" }, 400, "name"],
    [{ ...base, name: "a".repeat(54) }, 400, "name"],
    [{ ...base, cluster: "nope" }, 404, "cluster"],
    // auto: the only cluster has no agent, so nothing can take it; the 409 names it.
    [{ ...base, auto: true }, 409, "clusters.edge-1"],
    [{ ...base, auto: true, predictive: "yes" }, 400, "predictive"],
    [{ ...base, timeout: "5 minutes" }, 400, "timeout"],
    [{ ...base, placement_policy: "random" }, 400, "placement_policy"],
    [{ ...base, namespace: "Bad" }, 400, "namespace"],
    [{ name: "web", cluster: "edge-1" }, 400, "helmChart"],
    [{ ...base, helmChart: "r/c" }, 400, "manifests"],
    [{ ...base, manifests: "kind: Nope\n" }, 400, "manifests"],
    [{ ...base, manifests: undefined, helmChart: "nochart" }, 400, "helmChart"],
    [{ ...base, manifests: undefined, helmChart: "norepo/chart" }, 404, "helmChart"],
    [{ ...base, colour: "blue" }, 400, "colour"],
  ];
  for (const [body, status, field] of cases) {
    const res = await p.api("POST", "/enabler", { body });
    t.is(res.status, status, `${field}: ${JSON.stringify(res.body)}`);
    t.is(res.body.errors?.[0]?.field, field, JSON.stringify(res.body));
  }
  t.deepEqual((await p.api("GET", "/enabler")).body, []);
  t.is((await p.api("GET", "/enabler/nope")).status, 404);
  t.is((await p.api("GET", "/enabler/cluster/nope")).status, 404);
  t.is((await p.api("DELETE", "/enabler/x", { headers: { Timeout: "soon" } })).status, 400);
});

test("the OpenAPI document marks our additions", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const doc = (await p.api("GET", "/api-export")).body;
  const create = doc.components.schemas.CreateEnablerInput ?? doc.components.schemas.CreateEnabler;
  t.true(create.properties.manifests["x-ours"]);
  t.true(create.properties.namespace["x-ours"]);
  t.falsy(create.properties.helmChart["x-ours"]);
  t.truthy(doc.paths["/enabler/upgrade/{id}"].post);
  t.truthy(
    doc.paths["/enabler/{id}"].delete.parameters.find(
      (x: { name: string }) => x.name === "Timeout",
    ),
  );
  t.truthy(doc.paths["/enabler/volumes/{id}"].delete);
  const detail = doc.components.schemas.EnablerDetail;
  t.true(doc.components.schemas.EnablerClusterState["x-ours"]);
  t.truthy(detail.properties.clusterState);
  t.truthy(detail.properties.lastRepair);
  t.true(doc.components.schemas.DeletedEnabler["x-ours"]);
});

test("deleting a cluster with Force drops its enablers and the commands queued for it", async (t) => {
  const { p, clusterId } = await planeWithCluster();
  t.teardown(() => p.close());
  const res = await p.api("POST", "/enabler", {
    body: { name: "web", cluster: "edge-1", manifests },
  });
  t.is(res.status, 201);
  t.is((await p.api("DELETE", `/clusters/${clusterId}`)).status, 409);
  t.is(
    (await p.api("DELETE", `/clusters/${clusterId}`, { headers: { Force: "true" } })).status,
    204,
  );
  t.deepEqual((await p.api("GET", "/enabler")).body, []);
  t.is((await p.api("GET", `/enabler/${res.body.uid}`)).status, 404);
});
