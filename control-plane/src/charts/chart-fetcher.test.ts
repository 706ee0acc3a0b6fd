import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@smart-orchestrator/shared";
import test from "ava";
import { createRepoService } from "../repos/create-repo-service.js";
import { SecretBox } from "../security/secret-box.js";
import { SqliteStore } from "../store/sqlite-store.js";
import {
  type HelmRepoServer,
  helmFixture,
  podinfoIndex,
  startPodinfoRepo,
} from "../testing/helm-repo-server.js";
import { ChartFetcher } from "./chart-fetcher.js";

async function setup(t: import("ava").ExecutionContext, server: HelmRepoServer, url = server.url) {
  const dataDir = mkdtempSync(join(tmpdir(), "so-charts-"));
  const store = SqliteStore.open(join(dataDir, "test.db"));
  t.teardown(async () => {
    store.close();
    await server.close();
  });
  const repos = await createRepoService({
    store,
    secrets: new SecretBox(Buffer.alloc(32, 1)),
    now: () => new Date(),
    log: createLogger({ name: "test", level: "silent" }),
    dataDir,
  });
  await repos.add({ name: "pi", description: "", url });
  const cacheDir = join(dataDir, "charts");
  return { fetcher: new ChartFetcher({ resolver: repos, cacheDir }), cacheDir, repos };
}

test("fetches, verifies and caches a real archive; the second fetch is served from the cache", async (t) => {
  const server = await startPodinfoRepo();
  const { fetcher, cacheDir } = await setup(t, server);
  const chart = await fetcher.fetch("pi/podinfo", "6.14.1");
  t.is(chart.version, "6.14.1");
  t.is(chart.digest, "3d4a2ab092c83f39772de5f927aba6fb4f295a70e2b7302383edf249d44f78e3");
  t.is(chart.metadata.name, "podinfo");
  t.is(chart.defaults.replicaCount, 1);
  t.deepEqual(readdirSync(cacheDir), [`sha256-${chart.digest}.tgz`]);
  t.is(server.requests("/podinfo-6.14.1.tgz").length, 1);
  const again = await fetcher.fetch("pi/podinfo", "~6.14.0");
  t.is(again.archivePath, chart.archivePath);
  t.is(server.requests("/podinfo-6.14.1.tgz").length, 1);
});

test("a digest mismatch is refused and nothing is cached", async (t) => {
  const server = await startPodinfoRepo();
  // Serve 6.14.0's bytes where 6.14.1 should be.
  server.file(
    "/podinfo-6.14.1.tgz",
    readFileSync(helmFixture("repo-podinfo", "podinfo-6.14.0.tgz")),
  );
  const { fetcher, cacheDir } = await setup(t, server);
  const err = await t.throwsAsync(fetcher.fetch("pi/podinfo", "6.14.1"));
  t.regex(err?.message ?? "", /does not match the index digest 3d4a2ab0.*refusing/);
  t.is((err as { code?: string }).code, "failed_precondition");
  t.deepEqual(readdirSync(cacheDir), []);
});

test("a damaged cache file is replaced, not used", async (t) => {
  const server = await startPodinfoRepo();
  const { fetcher } = await setup(t, server);
  const first = await fetcher.fetch("pi/podinfo", "6.14.0");
  writeFileSync(first.archivePath, "tampered");
  const second = await fetcher.fetch("pi/podinfo", "6.14.0");
  t.is(second.metadata.version, "6.14.0");
  t.is(server.requests("/podinfo-6.14.0.tgz").length, 2);
});

test("relative archive URLs resolve against the repository URL", async (t) => {
  const server = await startPodinfoRepo("/charts");
  server.file(
    "/charts/index.yaml",
    podinfoIndex(`${server.url}/charts`).replaceAll(`${server.url}/charts/`, ""),
  );
  const { fetcher } = await setup(t, server, `${server.url}/charts`);
  const chart = await fetcher.fetch("pi/podinfo", "6.14.1");
  t.is(chart.metadata.version, "6.14.1");
  t.is(server.requests("/charts/podinfo-6.14.1.tgz").length, 1);
});

test("unknown chart, unknown version and a missing archive give clear errors", async (t) => {
  const server = await startPodinfoRepo();
  const { fetcher } = await setup(t, server);
  await t.throwsAsync(fetcher.fetch("pi/nginx"), {
    message: /chart nginx not found in repository pi/,
  });
  await t.throwsAsync(fetcher.fetch("pi/podinfo", "9.9.9"), { message: /no version "9.9.9"/ });
  await t.throwsAsync(fetcher.fetch("pi/podinfo", "6.13.0"), { message: /HTTP 404/ });
});
