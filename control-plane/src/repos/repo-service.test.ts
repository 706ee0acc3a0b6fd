import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@smart-orchestrator/shared";
import test from "ava";
import { SecretBox } from "../security/secret-box.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { HelmRepoServer, podinfoIndex } from "../testing/helm-repo-server.js";
import { createRepoService } from "./create-repo-service.js";
import type { RepoLimits } from "./repo-service.js";

async function service(t: import("ava").ExecutionContext, limits: Partial<RepoLimits>) {
  const dataDir = mkdtempSync(join(tmpdir(), "so-repos-"));
  const store = SqliteStore.open(join(dataDir, "test.db"));
  t.teardown(() => store.close());
  return createRepoService({
    store,
    secrets: new SecretBox(Buffer.alloc(32, 7)),
    now: () => new Date(),
    log: createLogger({ name: "test", level: "silent" }),
    dataDir,
    limits,
  });
}

/** Polls `check` until it holds or the deadline passes; never sleeps a fixed time. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("an index over the size limit is refused while streaming, and nothing is stored", async (t) => {
  const server = await new HelmRepoServer().start();
  t.teardown(() => server.close());
  server.file("/index.yaml", podinfoIndex(server.url));
  // Chunked, no Content-Length: only the streaming count can catch it.
  server.handle("/huge/index.yaml", (_req, res) => {
    res.writeHead(200, { "content-type": "text/yaml" });
    const line = Buffer.from(`# ${"x".repeat(1022)}\n`);
    let sent = 0;
    const pump = (): void => {
      while (sent < 64 * 1024 * 1024) {
        sent += line.length;
        if (!res.write(line)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => {
      sent = Number.POSITIVE_INFINITY;
    });
    pump();
  });
  const repos = await service(t, { maxIndexBytes: 100 * 1024 });
  const err = await t.throwsAsync(
    repos.add({ name: "huge", description: "", url: `${server.url}/huge` }),
  );
  t.regex(err?.message ?? "", /larger than the limit of 100\.0 KiB/);
  t.deepEqual(await repos.list(), []);
  t.is((await repos.add({ name: "ok", description: "", url: server.url })).uid.length, 36);
});

test("refreshAll runs at most `refreshConcurrency` fetches at once", async (t) => {
  const server = await new HelmRepoServer().start();
  t.teardown(() => server.close());
  const body = podinfoIndex(server.url);
  const repos = await service(t, { refreshConcurrency: 2 });
  for (let i = 0; i < 6; i++) {
    server.file(`/r${i}/index.yaml`, body);
    await repos.add({ name: `r${i}`, description: "", url: `${server.url}/r${i}` });
  }
  // From now on hold every index request until the test lets it go.
  const held: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  for (let i = 0; i < 6; i++) {
    server.handle(`/r${i}/index.yaml`, (_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      held.push(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "text/yaml" }).end(body);
      });
    });
  }
  const all = repos.refreshAll();
  let released = 0;
  while (released < 6) {
    // Wait until the bound is reached (while enough remain), so the test sees real overlap.
    await until(() => held.length >= Math.min(2, 6 - released), "held requests up to the bound");
    held.shift()?.();
    released++;
  }
  const results = await all;
  t.is(results.length, 6);
  t.true(results.every((r) => r.status === "Enabled" && r.changed));
  t.is(maxInFlight, 2);
});

test("resolve finds <repo>/<chart> and a range, and names what is unknown", async (t) => {
  const server = await new HelmRepoServer().start();
  t.teardown(() => server.close());
  server.file("/charts/index.yaml", podinfoIndex(`${server.url}/charts`));
  const repos = await service(t, {});
  await repos.add({ name: "pi", description: "", url: `${server.url}/charts/` });
  const r = await repos.resolve("pi/podinfo", "~6.13.0");
  t.is(r.version.version, "6.13.0");
  t.is(r.archiveUrl, `${server.url}/charts/podinfo-6.13.0.tgz`);
  t.is((await repos.resolve("pi/podinfo")).version.version, "6.14.1");
  await t.throwsAsync(repos.resolve("nope/podinfo"), { message: /repository nope not found/ });
  await t.throwsAsync(repos.resolve("pi/nope"), { message: /chart nope not found/ });
  await t.throwsAsync(repos.resolve("pi/podinfo", "^99"), { message: /no version "\^99"/ });
  await t.throwsAsync(repos.resolve("podinfo"), { message: /<repo>\/<chart>/ });
});
