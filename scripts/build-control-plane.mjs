#!/usr/bin/env node
// Bundles the control plane into control-plane/dist/control-plane.mjs with
// esbuild, so its image runs plain `node` with no TypeScript loader. Our own
// workspace code (control-plane, shared) is bundled; every npm dependency
// stays external and comes from `npm ci --omit=dev` in the image, because
// better-sqlite3 is a native addon built for the image's architecture.
// `--outdir <dir>` builds elsewhere (the smoke test builds into a temp folder).
import { readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = values.outdir ? resolve(values.outdir) : join(root, "control-plane", "dist");
const outfile = join(outdir, "control-plane.mjs");

const dependencies = (pkg) =>
  Object.keys(JSON.parse(readFileSync(join(root, pkg, "package.json"), "utf8")).dependencies ?? {});
const external = [...new Set([...dependencies("control-plane"), ...dependencies("shared")])].filter(
  (name) => !name.startsWith("@smart-orchestrator/"),
);

await build({
  absWorkingDir: root,
  entryPoints: ["control-plane/src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external,
  sourcemap: "linked",
  logLevel: "warning",
});
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.log(`built ${relative(root, outfile)} (${mb(statSync(outfile).size)})`);
