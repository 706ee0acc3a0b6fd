#!/usr/bin/env node
// Runs every benchmark: each folder bench/<name>/ with a main.ts or index.ts
// is one benchmark, run in its own `node --import tsx` process, one after the
// other so they do not disturb each other's figures. Benchmarks print
// figures and assert nothing. Leading names filter by folder; everything from
// the first `--flag` on goes to the benchmark(s):
// `npm run bench -- repo-index`, `npm run bench -- hub-scale --n 1000,5000`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "bench");
const args = process.argv.slice(2);
const firstFlag = args.findIndex((a) => a.startsWith("--"));
const only = new Set(firstFlag < 0 ? args : args.slice(0, firstFlag));
const passThrough = firstFlag < 0 ? [] : args.slice(firstFlag);
const benches = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory() && (only.size === 0 || only.has(d.name)))
  .map((d) => ({
    name: d.name,
    entry: ["main.ts", "index.ts"].map((f) => join(root, d.name, f)).find((f) => existsSync(f)),
  }))
  .filter((b) => b.entry !== undefined)
  .sort((a, b) => a.name.localeCompare(b.name));

if (benches.length === 0) {
  console.error(
    `no benchmarks found under bench/${only.size ? ` matching ${[...only].join(", ")}` : ""}`,
  );
  process.exit(1);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n=== bench/${b.name} ===`);
  const r = spawnSync(process.execPath, ["--import", "tsx", b.entry, ...passThrough], {
    stdio: "inherit",
  });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${b.name} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
