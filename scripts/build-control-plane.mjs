#!/usr/bin/env node
// Bundles the control plane into control-plane/dist/control-plane.mjs with
// esbuild, so its image runs plain `node` with no TypeScript loader (what is
// bundled and what stays external: control-plane-bundle.mjs).
// `--outdir <dir>` builds elsewhere (the smoke test builds into a temp folder).
import { statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { bundleControlPlane } from "./control-plane-bundle.mjs";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = values.outdir ? resolve(values.outdir) : join(root, "control-plane", "dist");
const outfile = join(outdir, "control-plane.mjs");

await bundleControlPlane({ entry: "control-plane/src/main.ts", outfile, sourcemap: true });
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.log(`built ${relative(root, outfile)} (${mb(statSync(outfile).size)})`);
