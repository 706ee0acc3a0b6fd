#!/usr/bin/env node
// Bundles the edge agent into one ESM file, edge-agent/dist/edge-agent.mjs,
// with esbuild: no tsx/esbuild loader at run time and only the code the agent
// reaches, which is what keeps it under 100 MB RSS on a Raspberry Pi (figures
// in README.md, "Agent footprint"). Run by `npm run build:agent`; the launcher
// edge-agent/bin/edge-agent runs the result with the V8 flags we ship.
// `--outdir <dir>` builds elsewhere (the smoke test builds into a temp folder).
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = values.outdir ? resolve(values.outdir) : join(root, "edge-agent", "dist");
const outfile = join(outdir, "edge-agent.mjs");

/**
 * node-fetch 2 (client-node's HTTP client) requires whatwg-url only as a
 * fallback for Node's own URL (`Url.URL || whatwgUrl.URL`), which every
 * supported Node has. Loading it anyway parsed tr46's IDNA mapping table (a
 * 260 KB JSON) into the heap at start and pulled in the deprecated punycode
 * module; the stand-in hands out Node's URL instead.
 */
const noWhatwgUrl = {
  name: "no-whatwg-url",
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: "whatwg-url", namespace: "so-shim" }));
    b.onLoad({ filter: /.*/, namespace: "so-shim" }, () => ({
      contents:
        "module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };",
      loader: "js",
    }));
  },
};

mkdirSync(outdir, { recursive: true });
const result = await build({
  plugins: [noWhatwgUrl],
  absWorkingDir: root,
  entryPoints: ["edge-agent/src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Bundled CommonJS packages (grpc-js, systeminformation, pino) call require()
  // for Node built-ins; an ES module has none unless we make one.
  banner: {
    js: 'import { createRequire as __soCreateRequire } from "node:module";\nconst require = __soCreateRequire(import.meta.url);',
  },
  minify: true,
  keepNames: true,
  sourcemap: "linked",
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
});
writeFileSync(join(outdir, "meta.json"), JSON.stringify(result.metafile));
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.log(`built ${relative(root, outfile)} (${mb(statSync(outfile).size)})`);
