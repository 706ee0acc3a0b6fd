import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import semver from "semver";
import {
  HelmRepoServer,
  helmFixture,
  podinfoIndex,
  startPodinfoRepo,
} from "../../testing/helm-repo-server.js";
import { startTestPlane, type TestPlane } from "../../testing/test-plane.js";

async function setup(t: import("ava").ExecutionContext, server?: HelmRepoServer) {
  const repo = server ?? (await startPodinfoRepo());
  const p = await startTestPlane();
  t.teardown(async () => {
    await p.close();
    await repo.close();
  });
  return { p, repo };
}

async function addPublic(p: TestPlane, name: string, url: string) {
  return p.api("POST", "/repos/public", { body: { name, description: "test", url } });
}

test("a public repo is added, listed, and its charts come newest first", async (t) => {
  const { p, repo } = await setup(t);
  const res = await addPublic(p, "podinfo", repo.url);
  t.is(res.status, 201, JSON.stringify(res.body));
  t.regex(res.body.uid, /^[0-9a-f-]{36}$/);
  const list = await p.api("GET", "/repos");
  t.is(list.body.length, 1);
  t.like(list.body[0], {
    uid: res.body.uid,
    name: "podinfo",
    url: repo.url,
    private: false,
    status: "Enabled",
    charts: 1,
    versions: 108,
  });
  const charts = await p.api("GET", `/repos/charts/${res.body.uid}`);
  t.is(charts.status, 200);
  t.regex(charts.headers.get("content-type") ?? "", /application\/json/);
  t.is(charts.body.length, 1);
  t.is(charts.body[0].name, "podinfo");
  t.is(charts.body[0].description, "Podinfo Helm chart for Kubernetes");
  t.is(charts.body[0].versions[0], "6.14.1");
  t.deepEqual(charts.body[0].versions, semver.rsort([...charts.body[0].versions]));
});

test("pre-releases sort below their release (real fluent index)", async (t) => {
  const server = await new HelmRepoServer().start();
  server.file("/index.yaml", readFileSync(helmFixture("index-small.yaml")));
  const { p } = await setup(t, server);
  const res = await addPublic(p, "fluent", server.url);
  t.is(res.status, 201, JSON.stringify(res.body));
  const charts = (await p.api("GET", `/repos/charts/${res.body.uid}`)).body;
  t.is(charts.length, 8);
  t.deepEqual(
    charts.map((c: { name: string }) => c.name),
    [...charts.map((c: { name: string }) => c.name)].sort(),
  );
  const all = charts.flatMap((c: { versions: string[] }) => c.versions);
  t.is(all.length, 304);
  for (const c of charts as Array<{ name: string; versions: string[] }>) {
    t.deepEqual(c.versions, semver.rsort([...c.versions], { loose: true }), c.name);
  }
  t.true(all.some((v: string) => semver.prerelease(v, { loose: true }) !== null));
});

test("private repo: wrong credentials are a 400 naming auth; the password is never returned", async (t) => {
  const server = (await startPodinfoRepo()).requireAuth("reader", "pa55-w0rd-secret");
  const { p } = await setup(t, server);
  const body = { name: "priv", description: "", url: server.url };
  const wrong = await p.api("POST", "/repos/private", {
    body: { ...body, auth: { username: "reader", password: "nope" } },
  });
  t.is(wrong.status, 400);
  t.regex(wrong.body.message, /refused the credentials \(HTTP 401\)/);
  t.is(wrong.body.errors[0].field, "auth");
  const publicTry = await addPublic(p, "pub", server.url);
  t.is(publicTry.status, 400);
  t.regex(publicTry.body.message, /needs credentials/);
  t.deepEqual((await p.api("GET", "/repos")).body, []);

  const ok = await p.api("POST", "/repos/private", {
    body: { ...body, auth: { username: "reader", password: "pa55-w0rd-secret" } },
  });
  t.is(ok.status, 201, JSON.stringify(ok.body));
  const list = await p.api("GET", "/repos");
  t.like(list.body[0], { private: true, username: "reader", status: "Enabled" });
  const update = await p.api("POST", "/repos/update");
  t.like(update.body[0], { name: "priv", status: "Enabled", changed: false });
  for (const path of ["/repos", `/repos/charts/${ok.body.uid}`]) {
    const text = JSON.stringify((await p.api("GET", path)).body);
    t.false(text.includes("pa55-w0rd-secret"), `${path} leaks the password`);
    t.false(text.includes('"password"'), `${path} has a password field`);
  }
  const db = readFileSync(join(p.dataDir, "smart-orchestrator.db"));
  const wal = (() => {
    try {
      return readFileSync(join(p.dataDir, "smart-orchestrator.db-wal"));
    } catch {
      return Buffer.alloc(0);
    }
  })();
  t.false(Buffer.concat([db, wal]).includes("pa55-w0rd-secret"), "password stored in plaintext");
});

test("bad repositories get a clear 400, store nothing, and the process stays healthy", async (t) => {
  const server = await new HelmRepoServer().start();
  const good = podinfoIndex(server.url);
  server
    .file("/html/index.yaml", "<!DOCTYPE html>\n<html><body>Welcome to nginx</body></html>\n")
    .file("/trunc/index.yaml", good.slice(0, Math.floor(good.length / 2)))
    .file("/trunc-line/index.yaml", good.slice(0, good.lastIndexOf("\n    digest:") + 1))
    .file("/notindex/index.yaml", "kind: ConfigMap\nmetadata:\n  name: x\n")
    .file("/bomb/index.yaml", yamlBomb())
    .file("/empty/index.yaml", "");
  server.handle("/cut/index.yaml", (_req, res) => {
    res.writeHead(200, { "content-length": String(good.length) });
    res.write(good.slice(0, 1000));
    res.destroy();
  });
  const { p } = await setup(t, server);
  const closed = await new HelmRepoServer().start();
  const closedUrl = closed.url;
  await closed.close();
  const cases: Array<[string, string, RegExp]> = [
    ["not a url", "url", /absolute http\(s\) URL/],
    ["ftp://example.org/charts", "url", /http or https/],
    ["http://user:pw@127.0.0.1/charts", "url", /must not contain credentials/],
    ["http://169.254.169.254/latest/meta-data", "url", /link-local address/],
    ["http://[fd00:ec2::254]/charts", "url", /cloud metadata address/],
    [closedUrl, "url", /unreachable|refused/],
    [`${server.url}/missing`, "url", /HTTP 404/],
    [`${server.url}/html`, "url", /HTML page/],
    [`${server.url}/trunc`, "url", /truncated|not valid YAML/],
    [`${server.url}/trunc-line`, "url", /truncated/],
    [`${server.url}/cut`, "url", /cut off|connection was reset/],
    [`${server.url}/notindex`, "url", /not a Helm repository index/],
    [`${server.url}/bomb`, "url", /aliases/],
    [`${server.url}/empty`, "url", /not a Helm repository index|truncated/],
  ];
  for (const [url, field, reason] of cases) {
    const res = await addPublic(p, "bad", url);
    t.is(res.status, 400, `${url}: ${JSON.stringify(res.body)}`);
    t.regex(res.body.message ?? "", reason, url);
    t.truthy(
      res.body.errors?.find((e: { field: string }) => e.field === field),
      `${url}: ${JSON.stringify(res.body.errors)}`,
    );
  }
  t.deepEqual((await p.api("GET", "/repos")).body, []);
  t.is((await p.api("GET", "/healthz")).status, 200);
});

test("a redirect to the index is followed", async (t) => {
  const server = await new HelmRepoServer().start();
  server.file("/real/index.yaml", podinfoIndex(server.url));
  server.handle("/moved/index.yaml", (_req, res) => {
    res.writeHead(302, { location: "/real/index.yaml" }).end();
  });
  const { p } = await setup(t, server);
  const res = await addPublic(p, "moved", `${server.url}/moved`);
  t.is(res.status, 201, JSON.stringify(res.body));
  t.is(server.requests("/real/index.yaml").length, 1);
});

test("update uses conditional GET, picks up changes, and degrades keeping the last good index", async (t) => {
  const { p, repo } = await setup(t);
  const { uid } = (await addPublic(p, "podinfo", repo.url)).body;

  const same = await p.api("POST", "/repos/update");
  t.is(same.status, 200);
  t.deepEqual(same.body, [{ uid, name: "podinfo", status: "Enabled", changed: false }]);
  const seen = repo.requests("/index.yaml");
  t.truthy(seen.at(-1)?.headers["if-none-match"], "no If-None-Match sent");
  t.is(seen.at(-1)?.status, 304);

  const newer = podinfoIndex(repo.url).replace(
    "entries:\n  podinfo:\n",
    `entries:\n  podinfo:\n  - name: podinfo\n    version: 7.0.0-rc.1\n    digest: ${"a".repeat(64)}\n    urls:\n    - podinfo-7.0.0-rc.1.tgz\n  - name: podinfo\n    version: 6.15.0\n    urls:\n    - podinfo-6.15.0.tgz\n`,
  );
  repo.file("/index.yaml", newer);
  const changed = await p.api("POST", "/repos/update");
  t.like(changed.body[0], { status: "Enabled", changed: true });
  const versions = (await p.api("GET", `/repos/charts/${uid}`)).body[0].versions;
  t.deepEqual(versions.slice(0, 3), ["7.0.0-rc.1", "6.15.0", "6.14.1"]);
  t.is((await p.api("GET", "/repos")).body[0].versions, 110);

  repo.handle("/index.yaml", (_req, res) => {
    res.writeHead(500).end("boom");
  });
  const failed = await p.api("POST", "/repos/update");
  t.like(failed.body[0], { status: "Degraded", changed: false });
  t.regex(failed.body[0].statusReason, /HTTP 500/);
  const listed = (await p.api("GET", "/repos")).body[0];
  t.like(listed, { status: "Degraded", versions: 110 });
  t.regex(listed.statusReason, /HTTP 500/);
  t.is((await p.api("GET", `/repos/charts/${uid}`)).body[0].versions[1], "6.15.0");

  repo.remove("/index.yaml").file("/index.yaml", newer);
  const healed = await p.api("POST", "/repos/update");
  t.like(healed.body[0], { status: "Enabled" });
  t.is((await p.api("GET", "/repos")).body[0].statusReason, undefined);
});

test("repos and their charts survive a restart without re-fetching", async (t) => {
  const repo = await startPodinfoRepo();
  const first = await startTestPlane();
  const { uid } = (await addPublic(first, "podinfo", repo.url)).body;
  await first.close();
  await repo.close();
  const again = await startTestPlane({ dataDir: first.dataDir });
  t.teardown(() => again.close());
  const charts = await again.api("GET", `/repos/charts/${uid}`);
  t.is(charts.status, 200);
  t.is(charts.body[0].versions.length, 108);
  const update = await again.api("POST", "/repos/update");
  t.like(update.body[0], { status: "Degraded" });
  t.is((await again.api("GET", `/repos/charts/${uid}`)).body[0].versions[0], "6.14.1");
});

test("duplicate names are 409; delete removes the repo and its charts", async (t) => {
  const { p, repo } = await setup(t);
  const { uid } = (await addPublic(p, "podinfo", repo.url)).body;
  const dup = await addPublic(p, "podinfo", repo.url);
  t.is(dup.status, 409);
  t.is(dup.body.errors[0].field, "name");
  t.is((await p.api("DELETE", `/repos/${uid}`)).status, 204);
  t.is((await p.api("GET", `/repos/charts/${uid}`)).status, 404);
  t.is((await p.api("DELETE", `/repos/${uid}`)).status, 404);
  t.deepEqual((await p.api("GET", "/repos")).body, []);
  t.is((await addPublic(p, "podinfo", repo.url)).status, 201);
});

/** The "billion laughs" shape: each level aliases the previous one ten times. */
function yamlBomb(): string {
  const lines = ["apiVersion: v1", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  let prev = "a";
  for (const name of ["b", "c", "d", "e", "f", "g", "h", "i"]) {
    lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(",")}]`);
    prev = name;
  }
  lines.push("entries: {}");
  return `${lines.join("\n")}\n`;
}
