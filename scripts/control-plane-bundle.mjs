// How the control plane's code is bundled with esbuild, in one place: the
// image's build (build-control-plane.mjs) and bench/scheduler, which measures
// decisions in the code as the image runs it. Our own workspace code
// (control-plane, shared) is bundled; every npm dependency stays external and
// comes from `npm ci --omit=dev` in the image, because better-sqlite3 is a
// native addon built for the image's architecture.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");

const dependencies = (pkg) =>
  Object.keys(JSON.parse(readFileSync(join(root, pkg, "package.json"), "utf8")).dependencies ?? {});

/** The npm dependencies of control-plane and shared, kept out of the bundle. */
export const external = [
  ...new Set([...dependencies("control-plane"), ...dependencies("shared")]),
].filter((name) => !name.startsWith("@smart-orchestrator/"));

/**
 * Bundles `entry` (relative to the repository root) into `outfile` as the
 * image is built: ESM for Node 20, npm dependencies external.
 */
export function bundleControlPlane({ entry, outfile, sourcemap = false }) {
  return build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external,
    ...(sourcemap ? { sourcemap: "linked" } : {}),
    logLevel: "warning",
  });
}
