#!/usr/bin/env node
// Runs the ava suite with the TAP reporter, passes its output through, and
// ends with the plain "N passed, N failed" line CI reads. Extra arguments go
// to ava (e.g. a file glob).
import { spawn } from "node:child_process";

const child = spawn(
  process.execPath,
  ["node_modules/ava/entrypoints/cli.mjs", "--tap", ...process.argv.slice(2)],
  { stdio: ["ignore", "pipe", "inherit"] },
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
