/**
 * bench/scheduler: placement decision time against fleet size (what it
 * measures is in decisions.ts).
 *
 * The measuring program runs bundled by esbuild, as the control-plane image
 * runs its code (scripts/build-control-plane.mjs): under the tsx loader every
 * import between our modules is a live binding read at each use, which is not
 * what a deployed control plane pays. npm dependencies stay external, so the
 * bundle is written under node_modules/.cache, where they resolve.
 *
 *   npm run bench -- scheduler [--sizes 1,100,1000,5000]
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..", "..");
const dependencies = (pkg: string): string[] =>
  Object.keys(JSON.parse(readFileSync(join(root, pkg, "package.json"), "utf8")).dependencies ?? {});
const external = [...dependencies("control-plane"), ...dependencies("shared")].filter(
  (name) => !name.startsWith("@smart-orchestrator/"),
);
const outfile = join(root, "node_modules", ".cache", "so-bench", "scheduler.mjs");
await build({
  absWorkingDir: root,
  entryPoints: [join(import.meta.dirname, "decisions.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external,
  logLevel: "warning",
});
const run = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, SO_BENCH_RUN: "bundled by esbuild as in the image" },
});
process.exit(run.status ?? 1);
