/**
 * bench/scheduler: placement decision time against fleet size (what it
 * measures is in decisions.ts).
 *
 * The measuring program runs bundled by esbuild, as the control-plane image
 * runs its code (scripts/control-plane-bundle.mjs): under the tsx loader every
 * import between our modules is a live binding read at each use, which is not
 * what a deployed control plane pays. npm dependencies stay external, so the
 * bundle is written under node_modules/.cache, where they resolve.
 *
 *   npm run bench -- scheduler [--sizes 1,100,1000,5000]
 */
import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
// @ts-expect-error: a plain .mjs build script without type declarations.
import { bundleControlPlane } from "../../scripts/control-plane-bundle.mjs";

const root = join(import.meta.dirname, "..", "..");
const outfile = join(root, "node_modules", ".cache", "so-bench", "scheduler.mjs");
await bundleControlPlane({
  entry: relative(root, join(import.meta.dirname, "decisions.ts")),
  outfile,
});
const run = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, SO_BENCH_RUN: "bundled by esbuild as in the image" },
});
process.exit(run.status ?? 1);
