import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import test from "ava";
import { HelmRepoServer } from "../testing/helm-repo-server.js";
import type { Resolve } from "./address-guard.js";
import { downloadToFile } from "./http-download.js";

const index = "apiVersion: v1\nentries: {}\n";

/** Names for the test: one internal chart host on loopback, one on the metadata address. */
const resolve: Resolve = (hostname, callback) => {
  const table: Record<string, string> = {
    "charts.internal": "127.0.0.1",
    "metadata.internal": "169.254.169.254",
  };
  const address = table[hostname];
  if (address) callback(null, [{ address, family: 4 }]);
  else callback(Object.assign(new Error("not found"), { code: "ENOTFOUND" }), []);
};

async function setup(t: import("ava").ExecutionContext) {
  const server = await new HelmRepoServer().start();
  t.teardown(() => server.close());
  server.file("/index.yaml", index);
  const port = new URL(server.url).port;
  const file = join(mkdtempSync(join(tmpdir(), "so-dl-")), "index.yaml");
  const get = (url: string) =>
    downloadToFile(url, file, { maxBytes: 1 << 20, timeoutMs: 30_000, what: "index", resolve });
  return { server, port, file, get };
}

test("a private address through a name is allowed, resolved by the guarded lookup", async (t) => {
  const { port, file, get } = await setup(t);
  const got = await get(`http://charts.internal:${port}/index.yaml`);
  t.is(got.status, "ok");
  t.is(readFileSync(file, "utf8"), index);
});

test("link-local and metadata URLs are refused, as literals and through names", async (t) => {
  const { port, get, server } = await setup(t);
  for (const [url, reason] of [
    ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is a link-local address/],
    ["http://[fd00:ec2::254]/latest/", /fd00:ec2::254 is a cloud metadata address/],
    ["http://[fe80::1]:8080/", /fe80::1 is a link-local address/],
    ["http://[::ffff:169.254.169.254]/", /is a link-local address/],
    [
      `http://metadata.internal:${port}/index.yaml`,
      /169\.254\.169\.254 is a link-local address \(metadata\.internal resolves to it\)/,
    ],
  ] as const) {
    const err = await t.throwsAsync(get(url), undefined, url);
    t.regex(err?.message ?? "", reason, url);
    t.regex(err?.message ?? "", /SO_REPO_ALLOW_LINK_LOCAL/, url);
  }
  t.is(server.seen.length, 0, "a refused name never reached the server behind it");
});

test("a redirect to a metadata address is refused on the hop", async (t) => {
  const { server, get } = await setup(t);
  server.handle("/moved/index.yaml", (_req, res) => {
    res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
  });
  const err = await t.throwsAsync(get(`${server.url}/moved/index.yaml`));
  t.regex(err?.message ?? "", /169\.254\.169\.254 is a link-local address/);
});

test("a gzip-encoded index is decoded, and basic auth is not sent to another origin", async (t) => {
  const { server, port, file, get } = await setup(t);
  server.handle("/gz/index.yaml", (_req, res) => {
    res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync(index));
  });
  t.is((await get(`${server.url}/gz/index.yaml`)).status, "ok");
  t.is(readFileSync(file, "utf8"), index);

  // 127.0.0.1 and charts.internal are different origins on the same server.
  server.handle("/away/index.yaml", (_req, res) => {
    res.writeHead(302, { location: `http://charts.internal:${port}/index.yaml` }).end();
  });
  await downloadToFile(`${server.url}/away/index.yaml`, file, {
    auth: { username: "u", password: "secret" },
    maxBytes: 1 << 20,
    timeoutMs: 30_000,
    what: "index",
    resolve,
  });
  const [first, second] = [
    server.requests("/away/index.yaml")[0],
    server.requests("/index.yaml")[0],
  ];
  t.truthy(first?.headers.authorization);
  t.is(second?.headers.authorization, undefined);
});
