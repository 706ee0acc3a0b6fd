// Repository index benchmark: load+parse time and peak memory of our index
// parser against a plain js-yaml load of the same ~20 MB real-entry index,
// each in separate child processes, then the latency of GET /repos/charts/:id
// once the parsed index is cached. Prints figures; asserts nothing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { arch, cpus, release, tmpdir, totalmem, type } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HelmRepoServer } from "../../control-plane/src/testing/helm-repo-server.js";
import { startTestPlane } from "../../control-plane/src/testing/test-plane.js";
import { makeLargeIndex } from "./make-index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const source = join(here, "../../control-plane/test/fixtures/helm/index-small.yaml");
const runs = 3;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${mb(totalmem())} RAM, ` +
    `${type()} ${release()} ${arch()}, node ${process.version}`,
);

const dir = mkdtempSync(join(tmpdir(), "so-bench-index-"));
try {
  const file = join(dir, "index.yaml");
  const made = makeLargeIndex(source, file, 20 * 1024 * 1024);
  console.log(
    `index: ${mb(statSync(file).size)}, ${made.charts} charts, ${made.versions} versions ` +
      "(real fluent/helm-charts entries repeated under new names)",
  );

  interface Sample {
    ms: number;
    baseRss: number;
    peakRss: number;
    charts: number;
  }
  const measure = (mode: string): Sample[] =>
    Array.from({ length: runs }, () => {
      const out = execFileSync(
        process.execPath,
        ["--import", "tsx", join(here, "measure.ts"), mode, file],
        { encoding: "utf8", maxBuffer: 1024 * 1024 },
      );
      return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Sample;
    });
  const results = new Map<string, { ms: number; peak: number; added: number }>();
  for (const mode of ["scanner", "js-yaml"]) {
    const samples = measure(mode);
    const ms = median(samples.map((s) => s.ms));
    const peak = median(samples.map((s) => s.peakRss));
    const added = median(samples.map((s) => s.peakRss - s.baseRss));
    results.set(mode, { ms, peak, added });
    console.log(
      `${mode.padEnd(8)} load+parse: ${ms.toFixed(0)} ms (median of ${runs}), ` +
        `peak RSS ${mb(peak)} (+${mb(added)} over the process after imports), ${samples[0]?.charts} charts`,
    );
  }
  const ours = results.get("scanner");
  const base = results.get("js-yaml");
  if (ours && base) {
    console.log(
      `ratio js-yaml/ours: time ${(base.ms / ours.ms).toFixed(1)}x, ` +
        `peak RSS ${(base.peak / ours.peak).toFixed(1)}x, memory added by parsing ${(base.added / ours.added).toFixed(1)}x`,
    );
  }

  // GET /repos/charts/:id on a real control plane, index served over loopback.
  const server = await new HelmRepoServer().start();
  server.file("/index.yaml", readFileSync(file));
  const plane = await startTestPlane();
  try {
    const t0 = performance.now();
    const added = await plane.api("POST", "/repos/public", {
      body: { name: "big", description: "bench", url: server.url },
    });
    const addMs = performance.now() - t0;
    if (added.status !== 201) throw new Error(`add failed: ${JSON.stringify(added.body)}`);
    const path = `/repos/charts/${added.body.uid}`;
    const lat: number[] = [];
    let size = 0;
    for (let i = 0; i < 50; i++) {
      const s = performance.now();
      const res = await fetch(plane.url + path, {
        headers: { authorization: `Bearer ${plane.token}` },
      });
      size = (await res.arrayBuffer()).byteLength;
      lat.push(performance.now() - s);
    }
    lat.sort((a, b) => a - b);
    console.log(
      `POST /repos/public (fetch + parse + store, 20 MB over loopback): ${addMs.toFixed(0)} ms`,
    );
    console.log(
      `GET ${"/repos/charts/:id"} cached (${mb(size)} body, 50 calls): ` +
        `p50 ${lat[25]?.toFixed(1)} ms, p99 ${lat[49]?.toFixed(1)} ms`,
    );
  } finally {
    await plane.close();
    await server.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
