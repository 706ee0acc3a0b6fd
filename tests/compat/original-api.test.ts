/**
 * Request bodies as clients of the original ASSIST-IoT Smart Orchestrator
 * send them, one test per endpoint of its README's table. The original
 * documents `cloud` and `cni` as strings, takes `null` for optional fields
 * and reads the `Force` header in any case; each test guards one of those
 * or the endpoint's shape. The enabler endpoints are in
 * original-enabler-api.test.ts.
 */
import test from "ava";
import {
  type HelmRepoServer,
  startPodinfoRepo,
} from "../../control-plane/src/testing/helm-repo-server.js";
import { startTestPlane, type TestPlane } from "../../control-plane/src/testing/test-plane.js";

/** A kubeconfig as the original's validator required it (`preferences` included). */
const seedCredentials = {
  apiVersion: "v1",
  kind: "Config",
  preferences: {},
  clusters: [
    {
      name: "edge-k3s",
      cluster: { server: "https://192.0.2.10:6443", "certificate-authority-data": "Q0E=" },
    },
  ],
  contexts: [{ name: "edge-k3s", context: { cluster: "edge-k3s", user: "edge-k3s" } }],
  "current-context": "edge-k3s",
  users: [{ name: "edge-k3s", user: { token: "seed-kube-token" } }],
};

async function plane(t: import("ava").ExecutionContext): Promise<TestPlane> {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  return p;
}

async function repoServer(t: import("ava").ExecutionContext): Promise<HelmRepoServer> {
  const server = await startPodinfoRepo();
  t.teardown(() => server.close());
  return server;
}

/** `POST /clusters` with the seed's string-typed body; returns the uid. */
async function addCluster(p: TestPlane, name: string, cloud: "true" | "false"): Promise<string> {
  const res = await p.api("POST", "/clusters", {
    body: { name, description: `${name} site`, cloud, cni: "cilium" },
  });
  if (res.status !== 201) throw new Error(`POST /clusters: ${JSON.stringify(res.body)}`);
  return res.body.uid;
}

/** `POST /repos/public` with the seed's body; returns the uid. */
async function addRepo(p: TestPlane, server: HelmRepoServer): Promise<string> {
  const res = await p.api("POST", "/repos/public", {
    body: { name: "podinfo", description: "charts", url: server.url },
  });
  if (res.status !== 201) throw new Error(`POST /repos/public: ${JSON.stringify(res.body)}`);
  return res.body.uid;
}

test('POST /clusters: the seed body with cloud "true"/"false", any CNI and null optionals', async (t) => {
  const p = await plane(t);
  const cloud = await p.api("POST", "/clusters", {
    body: {
      name: "cloud",
      description: "central",
      credentials: seedCredentials,
      cloud: "true",
      cni: "Cilium",
    },
  });
  t.is(cloud.status, 201, JSON.stringify(cloud.body));
  t.regex(cloud.body.uid, /^[0-9a-f-]{36}$/);
  const edge = await p.api("POST", "/clusters", {
    body: {
      name: "edge",
      description: null,
      credentials: null,
      cloud: "false",
      cni: "kube-router",
    },
  });
  t.is(edge.status, 201, JSON.stringify(edge.body));
  const bool = await p.api("POST", "/clusters", {
    body: { name: "pi", description: "roof", cloud: false, cni: "Calico VXLAN" },
  });
  t.is(bool.status, 201, JSON.stringify(bool.body));

  const byName = Object.fromEntries(
    (await p.api("GET", "/clusters")).body.map((c: { name: string }) => [c.name, c]),
  );
  t.like(byName.cloud, { cloud: true, cni: "Cilium", mode: "credentials" });
  t.like(byName.edge, { cloud: false, cni: "kube-router", description: "", mode: "agent" });
  t.like(byName.pi, { cloud: false, cni: "Calico VXLAN" });

  const wrong = await p.api("POST", "/clusters", { body: { name: "x", cloud: "maybe" } });
  t.is(wrong.status, 400);
  t.is(wrong.body.errors[0].field, "cloud");
  const long = await p.api("POST", "/clusters", { body: { name: "x", cni: "c".repeat(64) } });
  t.is(long.status, 400);
  t.is(long.body.errors[0].field, "cni");
});

test("GET /clusters: a plain array of clusters with uid and _id", async (t) => {
  const p = await plane(t);
  const uid = await addCluster(p, "edge", "false");
  const res = await p.api("GET", "/clusters");
  t.is(res.status, 200);
  t.true(Array.isArray(res.body));
  t.like(res.body[0], {
    uid,
    _id: uid,
    name: "edge",
    cloud: false,
    cni: "cilium",
    status: "Pending",
  });
});

test("GET /clusters/:clusterid: one cluster, 404 with {code, message} when unknown", async (t) => {
  const p = await plane(t);
  const uid = await addCluster(p, "edge", "false");
  const res = await p.api("GET", `/clusters/${uid}`);
  t.is(res.status, 200);
  t.like(res.body, { uid, name: "edge", description: "edge site" });
  const missing = await p.api("GET", "/clusters/no-such-cluster");
  t.is(missing.status, 404);
  t.is(missing.body.code, 404);
  t.regex(missing.body.message, /not found/);
});

test("GET /clusters/node/:clusterid: an array (empty before the first report)", async (t) => {
  const p = await plane(t);
  const uid = await addCluster(p, "edge", "false");
  const res = await p.api("GET", `/clusters/node/${uid}`);
  t.is(res.status, 200);
  t.deepEqual(res.body, []);
});

test('GET /clusters/cloud/find: the cluster registered with cloud "true"', async (t) => {
  const p = await plane(t);
  t.is((await p.api("GET", "/clusters/cloud/find")).status, 404);
  const uid = await addCluster(p, "core", "true");
  await addCluster(p, "edge", "false");
  const res = await p.api("GET", "/clusters/cloud/find");
  t.is(res.status, 200);
  t.like(res.body, { uid, cloud: true });
});

test("DELETE /clusters/:id: an edge cluster, then the cloud one; Force in any case", async (t) => {
  const p = await plane(t);
  const cloud = await addCluster(p, "core", "true");
  const edge = await addCluster(p, "edge", "false");
  const del = await p.api("DELETE", `/clusters/${edge}`, { headers: { Force: "True" } });
  t.is(del.status, 204);
  const last = await p.api("DELETE", `/clusters/${cloud}`, { headers: { Force: "1" } });
  t.is(last.status, 204);
  t.deepEqual((await p.api("GET", "/clusters")).body, []);
});

test("POST /repos/public: {name, description, url}; description may be null", async (t) => {
  const p = await plane(t);
  const server = await repoServer(t);
  const res = await p.api("POST", "/repos/public", {
    body: { name: "podinfo", description: null, url: server.url },
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  t.regex(res.body.uid, /^[0-9a-f-]{36}$/);
  t.like((await p.api("GET", "/repos")).body[0], { name: "podinfo", description: "" });
});

test("POST /repos/private: {name, description, url, auth:{username, password}}", async (t) => {
  const p = await plane(t);
  const server = (await repoServer(t)).requireAuth("reader", "seed-password");
  const res = await p.api("POST", "/repos/private", {
    body: {
      name: "private-charts",
      description: "internal",
      url: server.url,
      auth: { username: "reader", password: "seed-password" },
    },
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  const listed = (await p.api("GET", "/repos")).body[0];
  t.like(listed, { name: "private-charts", private: true, username: "reader" });
  t.false(JSON.stringify(listed).includes("seed-password"));
});

test("GET /repos: a plain array of repositories with uid and _id", async (t) => {
  const p = await plane(t);
  const server = await repoServer(t);
  const uid = await addRepo(p, server);
  const res = await p.api("GET", "/repos");
  t.is(res.status, 200);
  t.like(res.body, [{ uid, _id: uid, name: "podinfo", url: server.url }]);
});

test("GET /repos/charts/:repositoryId: [{name, versions:[...]}]", async (t) => {
  const p = await plane(t);
  const server = await repoServer(t);
  const uid = await addRepo(p, server);
  const res = await p.api("GET", `/repos/charts/${uid}`);
  t.is(res.status, 200);
  t.is(res.body[0].name, "podinfo");
  t.true(res.body[0].versions.includes("6.14.1"));
});

test("POST /repos/update: re-fetches every index, without a body", async (t) => {
  const p = await plane(t);
  const server = await repoServer(t);
  await addRepo(p, server);
  const res = await p.api("POST", "/repos/update");
  t.is(res.status, 200, JSON.stringify(res.body));
  t.like(res.body, [{ name: "podinfo", status: "Enabled" }]);
});

test("DELETE /repos/:id: the repository goes", async (t) => {
  const p = await plane(t);
  const server = await repoServer(t);
  const uid = await addRepo(p, server);
  t.is((await p.api("DELETE", `/repos/${uid}`)).status, 204);
  t.deepEqual((await p.api("GET", "/repos")).body, []);
});

test("GET /version: the version, without a token", async (t) => {
  const p = await plane(t);
  const res = await fetch(`${p.url}/version`);
  t.is(res.status, 200);
  t.regex(JSON.stringify(await res.json()), /\d+\.\d+\.\d+/);
});

test("GET /api-export: OpenAPI that documents the lenient seed fields", async (t) => {
  const p = await plane(t);
  const res = await fetch(`${p.url}/api-export`);
  t.is(res.status, 200);
  const doc = (await res.json()) as {
    openapi: string;
    components: { schemas: Record<string, unknown> };
  };
  t.regex(doc.openapi, /^3\.1/);
  const create = JSON.stringify(doc.components.schemas.CreateCluster);
  t.regex(create, /"true"/, "cloud accepts the strings");
  t.regex(create, /null/, "optional fields accept null");
});
