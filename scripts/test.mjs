#!/usr/bin/env node
// Runs the ava suite with the TAP reporter, passes its output through, and
// ends with the plain "N passed, N failed" line CI reads. Extra arguments go
// to ava (e.g. a file glob). Real helm and kubectl come first on PATH from
// .tools/bin (`npm run tools` is run first when they are missing), and
// HELM_BIN names that helm, so tests run the real binaries.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

const root = join(import.meta.dirname, "..");
const toolsBin = join(root, ".tools", "bin");
if (!existsSync(join(toolsBin, "helm")) || !existsSync(join(toolsBin, "kubectl"))) {
  const tools = spawnSync(process.execPath, [join(root, "scripts", "tools.mjs")], {
    stdio: "inherit",
  });
  if (tools.status !== 0)
    process.stderr.write("npm run tools failed; tests needing helm/kubectl will skip\n");
}
const env = {
  ...process.env,
  PATH: `${toolsBin}${delimiter}${process.env.PATH ?? ""}`,
  HELM_BIN: process.env.HELM_BIN ?? join(toolsBin, "helm"),
};

const child = spawn(
  process.execPath,
  ["node_modules/ava/entrypoints/cli.mjs", "--tap", ...process.argv.slice(2)],
  { stdio: ["ignore", "pipe", "inherit"], env },
);
let tap = "";
child.stdout.on("data", (chunk) => {
  tap += chunk;
  process.stdout.write(chunk);
});
child.on("close", (code) => {
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(tap)?.[1] ?? 0);
  const passed = count("pass");
  const failed = count("fail") + (code !== 0 && count("fail") === 0 ? 1 : 0);
  const skipped = count("skip");
  process.stdout.write(
    `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`,
  );
  process.exit(code ?? 1);
});
