#!/usr/bin/env node
// Fails when the work tree changed against a baseline `git status`: CI runs
// it after `npm ci` and after the tests, so that neither rewrites a tracked
// file (a stale lockfile `bin` once made `npm ci` chmod edge-agent/src/main.ts)
// nor leaves untracked files behind.
//   node scripts/check-clean.mjs <step> [<baseline porcelain status>]
import { execFileSync } from "node:child_process";

const [step = "this step", baseline = ""] = process.argv.slice(2);
const status = (text) => new Set(text.split("\n").filter(Boolean));
const now = execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], {
  encoding: "utf8",
});
const before = status(baseline);
const added = [...status(now)].filter((line) => !before.has(line));
if (added.length > 0) {
  console.error(
    `the work tree is not clean after ${step}:\n${added.join("\n")}\n` +
      "Fix the cause (a file the step rewrites or leaves behind), or ignore the file in .gitignore.",
  );
  process.exit(1);
}
// Silent on success: the test runner's "N passed, N failed" stays CI's last line.
