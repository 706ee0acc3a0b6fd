import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import test from "ava";
import tar from "tar-stream";
import { helmFixture } from "../testing/helm-repo-server.js";
import { defaultArchiveLimits, readChartArchive } from "./chart-archive.js";

interface Entry {
  name: string;
  body?: string;
  type?: "file" | "directory" | "symlink" | "link" | "fifo";
  linkname?: string;
}

/** Packs entries into a .tgz file, as `helm package` would (or as an attacker might). */
async function tgz(entries: Entry[]): Promise<string> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => pack.on("end", resolve));
  for (const e of entries) {
    const type = e.type ?? "file";
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        { name: e.name, type, ...(e.linkname ? { linkname: e.linkname } : {}) },
        type === "file" ? (e.body ?? "") : undefined,
        (err?: Error | null) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  const file = join(mkdtempSync(join(tmpdir(), "so-tgz-")), "chart.tgz");
  writeFileSync(file, gzipSync(Buffer.concat(chunks)));
  return file;
}

/** Packs a chart source folder from the fixtures under `<name>/`. */
function folderEntries(dir: string, name: string): Entry[] {
  const out: Entry[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ name: `${name}/${relative(dir, p)}`, body: readFileSync(p, "utf8") });
    }
  };
  walk(dir);
  return out;
}

const chartYaml = "apiVersion: v2\nname: demo\nversion: 1.10\n";

test("a real packaged chart (podinfo 6.14.1) gives its metadata and defaults", async (t) => {
  const c = await readChartArchive(helmFixture("repo-podinfo", "podinfo-6.14.1.tgz"));
  t.like(c.metadata, { name: "podinfo", version: "6.14.1", kubeVersion: ">=1.23.0-0" });
  t.is(c.defaults.replicaCount, 1);
  t.is((c.defaults.image as { repository: string }).repository, "ghcr.io/stefanprodan/podinfo");
  t.is(c.schema, undefined);
});

test("a chart with values.schema.json (alertmanager) returns the schema", async (t) => {
  const file = await tgz(folderEntries(helmFixture("charts", "alertmanager"), "alertmanager"));
  const c = await readChartArchive(file);
  t.is(c.metadata.name, "alertmanager");
  t.is(c.schema?.title, "alertmanager");
  t.truthy(c.defaults.image);
});

test("version strings stay strings (1.10 is not 1.1)", async (t) => {
  const c = await readChartArchive(await tgz([{ name: "demo/Chart.yaml", body: chartYaml }]));
  t.is(c.metadata.version, "1.10");
  t.deepEqual(c.defaults, {});
});

test("traversal, absolute paths, links out, devices, a second root and big entries are refused", async (t) => {
  const ok = { name: "demo/Chart.yaml", body: chartYaml };
  const cases: Array<[Entry[], RegExp]> = [
    [[ok, { name: "demo/../../etc/cron.d/x", body: "x" }], /path escapes the chart/],
    [[ok, { name: "/etc/passwd", body: "x" }], /path escapes|outside the chart/],
    [
      [ok, { name: "demo/templates/link", type: "symlink", linkname: "../../../etc/passwd" }],
      /points outside/,
    ],
    [[ok, { name: "demo/link", type: "symlink", linkname: "/etc/shadow" }], /points outside/],
    [[ok, { name: "demo/hard", type: "link", linkname: "other/x" }], /points outside/],
    [[ok, { name: "demo/pipe", type: "fifo" }], /unsupported entry type fifo/],
    [[ok, { name: "other/Chart.yaml", body: chartYaml }], /outside the chart folder demo/],
    [[ok, { name: "demo/values.yaml", body: "x".repeat(2048) }], /over the 1024-byte limit/],
    [[{ name: "demo/values.yaml", body: "a: 1\n" }], /no demo\/Chart.yaml/],
    [[ok, { name: "demo/values.yaml", body: "a: [\n" }], /values.yaml is not valid YAML/],
  ];
  for (const [entries, reason] of cases) {
    const file = await tgz(entries);
    const err = await t.throwsAsync(
      readChartArchive(file, { ...defaultArchiveLimits, maxEntryBytes: 1024 }),
    );
    t.regex(err?.message ?? "", reason, JSON.stringify(entries.at(-1)?.name));
  }
  const inside = await tgz([
    ok,
    { name: "demo/templates/l", type: "symlink", linkname: "../values.yaml" },
  ]);
  t.is((await readChartArchive(inside)).metadata.name, "demo");
});

test("a gzip bomb stops at the total limit; garbage is not a readable .tgz", async (t) => {
  const big = await tgz([
    { name: "demo/Chart.yaml", body: chartYaml },
    { name: "demo/a", body: "0".repeat(600_000) },
    { name: "demo/b", body: "0".repeat(600_000) },
  ]);
  await t.throwsAsync(
    readChartArchive(big, { ...defaultArchiveLimits, maxTotalBytes: 1_000_000 }),
    { message: /unpacks to more than 1000000 bytes/ },
  );
  const junk = join(mkdtempSync(join(tmpdir(), "so-tgz-")), "junk.tgz");
  writeFileSync(junk, "<html>not a tarball</html>");
  await t.throwsAsync(readChartArchive(junk), { message: /not a readable \.tgz/ });
});
