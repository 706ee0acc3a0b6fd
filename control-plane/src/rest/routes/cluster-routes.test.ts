import test from "ava";
import { startTestPlane } from "../../testing/test-plane.js";

const kubeconfig = {
  apiVersion: "v1",
  kind: "Config",
  clusters: [
    {
      name: "k3s",
      cluster: { server: "https://10.0.0.1:6443", "certificate-authority-data": "Q0E=" },
    },
  ],
  users: [{ name: "admin", user: { token: "s3cret-kube-token" } }],
  contexts: [{ name: "default", context: { cluster: "k3s", user: "admin" } }],
  "current-context": "default",
};

test("POST /clusters returns uid and a join command; GET lists and gets it", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const res = await p.api("POST", "/clusters", {
    body: { name: "edge-1", description: "rooftop", cloud: false, cni: "flannel" },
  });
  t.is(res.status, 201);
  t.regex(res.body.uid, /^[0-9a-f-]{36}$/);
  t.regex(res.body.join.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  t.true(res.body.join.command.includes(`--token ${res.body.join.token}`));
  t.truthy(Date.parse(res.body.join.expiresAt) > Date.now() + 23 * 3600 * 1000);

  const list = await p.api("GET", "/clusters");
  t.is(list.status, 200);
  t.is(list.body.length, 1);
  t.like(list.body[0], {
    uid: res.body.uid,
    name: "edge-1",
    status: "Pending",
    cloud: false,
    cni: "flannel",
  });

  const one = await p.api("GET", `/clusters/${res.body.uid}`);
  t.like(one.body, { uid: res.body.uid, description: "rooftop", mode: "agent" });
});

test("credentials are accepted, encrypted at rest and never returned", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const res = await p.api("POST", "/clusters", {
    body: { name: "cloud", description: "", cloud: true, cni: "calico", credentials: kubeconfig },
  });
  t.is(res.status, 201);
  for (const path of ["/clusters", `/clusters/${res.body.uid}`, "/clusters/cloud/find"]) {
    const got = await p.api("GET", path);
    const text = JSON.stringify(got.body);
    t.false(text.includes("s3cret-kube-token"), `${path} leaks the kubeconfig`);
    t.false(text.includes('"credentials":'), `${path} has a credentials field`);
    t.false(text.includes("Hash"), `${path} leaks a hash`);
  }
  t.is((await p.api("GET", `/clusters/${res.body.uid}`)).body.mode, "credentials");
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const raw = readFileSync(join(p.dataDir, "smart-orchestrator.db"));
  const wal = (() => {
    try {
      return readFileSync(join(p.dataDir, "smart-orchestrator.db-wal"));
    } catch {
      return Buffer.alloc(0);
    }
  })();
  t.false(
    Buffer.concat([raw, wal]).includes("s3cret-kube-token"),
    "kubeconfig stored in plaintext",
  );
});

test("bad bodies get 400 naming the field, and store nothing", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const cases: Array<[unknown, string, RegExp]> = [
    [{ name: "Edge_1" }, "name", /DNS-1123/],
    [{ name: "ok", cloud: "yes" }, "cloud", /boolean/],
    [{ name: "ok", extra: 1 }, "extra", /unknown field/],
    [{}, "name", /.+/],
    [{ name: "a".repeat(64) }, "name", /63/],
    [{ name: "ok", credentials: { clusters: [] } }, "credentials.clusters", /at least one/],
    [
      { name: "ok", credentials: { ...kubeconfig, "current-context": "nope" } },
      "credentials.current-context",
      /no context/,
    ],
    [
      {
        name: "ok",
        credentials: {
          ...kubeconfig,
          clusters: [{ name: "k3s", cluster: { server: "not a url" } }],
        },
      },
      "credentials.clusters.0.cluster.server",
      /URL/,
    ],
  ];
  for (const [body, field, reason] of cases) {
    const res = await p.api("POST", "/clusters", { body });
    t.is(res.status, 400, JSON.stringify(body));
    t.is(res.headers.get("content-type"), "application/problem+json");
    t.is(res.body.code, 400);
    t.is(res.body.status, 400);
    t.is(res.body.type, "urn:smart-orchestrator:problem:invalid-argument");
    const hit = res.body.errors.find((e: { field: string }) => e.field === field);
    t.truthy(hit, `no error for ${field} in ${JSON.stringify(res.body.errors)}`);
    t.regex(hit?.reason ?? "", reason);
  }
  t.deepEqual((await p.api("GET", "/clusters")).body, []);
});

test("malformed JSON, wrong content type, empty and oversized bodies are refused", async (t) => {
  const p = await startTestPlane({ env: { SO_BODY_LIMIT: "1kb" } });
  t.teardown(() => p.close());
  const malformed = await p.api("POST", "/clusters", { body: '{"name": "x",' });
  t.is(malformed.status, 400);
  t.regex(malformed.body.message, /not valid JSON/);
  const empty = await fetch(`${p.url}/clusters`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.token}`, "content-type": "application/json" },
  });
  t.is(empty.status, 400);
  const text = await fetch(`${p.url}/clusters`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.token}`, "content-type": "text/plain" },
    body: "name=x",
  });
  t.is(text.status, 415);
  const big = await p.api("POST", "/clusters", {
    body: { name: "big", description: "x".repeat(4096) },
  });
  t.is(big.status, 413);
  t.is(big.body.code, 413);
  t.deepEqual((await p.api("GET", "/clusters")).body, []);
});

test("duplicate name is 409; a second cloud cluster is 409", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  t.is((await p.api("POST", "/clusters", { body: { name: "a", cloud: true } })).status, 201);
  const dup = await p.api("POST", "/clusters", { body: { name: "a" } });
  t.is(dup.status, 409);
  t.is(dup.body.errors[0].field, "name");
  const cloud2 = await p.api("POST", "/clusters", { body: { name: "b", cloud: true } });
  t.is(cloud2.status, 409);
  t.is(cloud2.body.errors[0].field, "cloud");
  t.is((await p.api("GET", "/clusters")).body.length, 1);
});

test("GET /clusters/cloud/find is 404 without a cloud cluster and finds it after", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  t.is((await p.api("GET", "/clusters/cloud/find")).status, 404);
  await p.api("POST", "/clusters", { body: { name: "edge" } });
  t.is((await p.api("GET", "/clusters/cloud/find")).status, 404);
  const cloud = await p.api("POST", "/clusters", { body: { name: "core", cloud: true } });
  const found = await p.api("GET", "/clusters/cloud/find");
  t.is(found.status, 200);
  t.is(found.body.uid, cloud.body.uid);
});

test("unknown ids are 404 on every cluster route", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  for (const [method, path] of [
    ["GET", "/clusters/nope"],
    ["DELETE", "/clusters/nope"],
    ["POST", "/clusters/nope/token"],
    ["GET", "/clusters/node/nope"],
  ] as const) {
    const res = await p.api(method, path);
    t.is(res.status, 404, `${method} ${path}`);
    t.is(res.body.code, 404);
  }
});

test("GET /clusters/node/:clusterid is [] before any agent reports", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const c = await p.api("POST", "/clusters", { body: { name: "edge" } });
  const res = await p.api("GET", `/clusters/node/${c.body.uid}`);
  t.is(res.status, 200);
  t.deepEqual(res.body, []);
});

test("POST /clusters/:id/token issues a fresh token", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const c = await p.api("POST", "/clusters", { body: { name: "edge" } });
  const fresh = await p.api("POST", `/clusters/${c.body.uid}/token`);
  t.is(fresh.status, 201);
  t.not(fresh.body.token, c.body.join.token);
  t.true(fresh.body.command.includes(fresh.body.token));
});

test("DELETE: the cloud cluster goes last; enablers need Force and their records go", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const cloud = await p.api("POST", "/clusters", { body: { name: "core", cloud: true } });
  const edge = await p.api("POST", "/clusters", { body: { name: "edge" } });
  const refused = await p.api("DELETE", `/clusters/${cloud.body.uid}`);
  t.is(refused.status, 409);
  t.regex(refused.body.message, /edge cluster/);

  // An enabler record on the edge cluster, as the deploy work will write it.
  const { SqliteStore } = await import("../../store/sqlite-store.js");
  const { join } = await import("node:path");
  const side = SqliteStore.open(join(p.dataDir, "smart-orchestrator.db"));
  const enablers = await side.collection("enablers");
  await enablers.insert({ _id: "en-1", name: "web", cluster: edge.body.uid } as never);
  await side.close();

  const busy = await p.api("DELETE", `/clusters/${edge.body.uid}`);
  t.is(busy.status, 409);
  t.regex(busy.body.message, /enabler/);
  const badForce = await p.api("DELETE", `/clusters/${edge.body.uid}`, {
    headers: { force: "maybe" },
  });
  t.is(badForce.status, 400);
  t.regex(badForce.body.errors[0].reason, /must be "true" or "false"/);
  const notForced = await p.api("DELETE", `/clusters/${edge.body.uid}`, {
    headers: { force: "FALSE" },
  });
  t.is(notForced.status, 409, "Force: FALSE is read as false");
  // Clients of the original API send the header capitalised.
  const forced = await p.api("DELETE", `/clusters/${edge.body.uid}`, {
    headers: { force: "True" },
  });
  t.is(forced.status, 204);
  t.is((await p.api("GET", `/clusters/${edge.body.uid}`)).status, 404);
  t.is((await p.api("DELETE", `/clusters/${cloud.body.uid}`)).status, 204);
  t.deepEqual((await p.api("GET", "/clusters")).body, []);
});

test("a missing or wrong bearer token is 401 on cluster routes", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const none = await fetch(`${p.url}/clusters`);
  t.is(none.status, 401);
  t.regex(none.headers.get("www-authenticate") ?? "", /^Bearer/);
  const wrong = await p.api("GET", "/clusters", {
    headers: { authorization: "Bearer nope-nope-nope" },
  });
  t.is(wrong.status, 401);
  const post = await fetch(`${p.url}/clusters`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "sneaky" }),
  });
  t.is(post.status, 401);
  t.deepEqual((await p.api("GET", "/clusters")).body, []);
});

test("a restart keeps every cluster", async (t) => {
  const first = await startTestPlane();
  const a = await first.api("POST", "/clusters", { body: { name: "a", credentials: kubeconfig } });
  const b = await first.api("POST", "/clusters", { body: { name: "b", cloud: true } });
  await first.close();
  const second = await startTestPlane({ dataDir: first.dataDir });
  t.teardown(() => second.close());
  const list = await second.api("GET", "/clusters");
  t.deepEqual(
    list.body.map((c: { uid: string }) => c.uid),
    [a.body.uid, b.body.uid],
  );
  t.is((await second.api("GET", "/clusters/cloud/find")).body.uid, b.body.uid);
  t.is((await second.api("POST", "/clusters", { body: { name: "a" } })).status, 409);
});

test("GET /clusters pages with limit and continue; without them the full array, as in the original", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  for (const name of ["c-0", "c-1", "c-2", "c-3", "c-4"]) {
    t.is((await p.api("POST", "/clusters", { body: { name } })).status, 201);
  }
  const all = await p.api("GET", "/clusters");
  t.is(all.body.length, 5);
  t.is(all.headers.get("x-continue"), null);

  const first = await p.api("GET", "/clusters?limit=2");
  t.deepEqual(
    first.body.map((c: { name: string }) => c.name),
    ["c-0", "c-1"],
  );
  const token = first.headers.get("x-continue") ?? "";
  t.truthy(token);
  t.is(first.headers.get("link"), `</clusters?limit=2&continue=${token}>; rel="next"`);
  // Changes between pages: one seen cluster goes, one arrives ahead of the cursor.
  await p.api("DELETE", `/clusters/${first.body[0].uid}`);
  await p.api("POST", "/clusters", { body: { name: "c-25" } });
  const names: string[] = [];
  let next: string | null = token;
  while (next) {
    const page = await p.api("GET", `/clusters?limit=2&continue=${encodeURIComponent(next)}`);
    t.is(page.status, 200);
    t.true(page.body.length <= 2);
    names.push(...page.body.map((c: { name: string }) => c.name));
    next = page.headers.get("x-continue");
  }
  t.deepEqual(names, ["c-2", "c-25", "c-3", "c-4"], "no repeat, no skip, and no empty last page");

  const rest = await p.api("GET", `/clusters?continue=${encodeURIComponent(token)}`);
  t.is(rest.body.length, 4, "continue without limit gives the rest");

  for (const [query, field] of [
    ["limit=0", "limit"],
    ["limit=abc", "limit"],
    ["limit=1001", "limit"],
    ["limit=2&continue=bm90LW91cnM", "continue"],
  ]) {
    const bad = await p.api("GET", `/clusters?${query}`);
    t.is(bad.status, 400, query);
    t.is(bad.body.errors[0].field, field, query);
  }
  const doc = (await p.api("GET", "/api-export")).body;
  const params = doc.paths["/clusters"].get.parameters.map(
    (q: { name: string; in: string }) => `${q.in}:${q.name}`,
  );
  t.deepEqual(params, ["query:limit", "query:continue"]);
});
