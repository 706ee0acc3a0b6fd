#!/usr/bin/env node
// Regenerates shared/src/gen from proto/ and fails when the result differs
// from what is checked in: generated code must match its source.
import { execFileSync } from "node:child_process";

const gen = "shared/src/gen";
const git = (...args) => execFileSync("git", args, { encoding: "utf8" });
execFileSync("npx", ["buf", "generate"], { stdio: "inherit" });
// Compare against the index: unstaged edits or new untracked files are drift.
const drift = (
  git("diff", "--name-only", "--", gen) +
  git("ls-files", "--others", "--exclude-standard", "--", gen)
).trim();
if (drift) {
  console.error(
    `codegen drift: regenerating from proto/ changed:\n${drift}\nRun npm run generate and commit.`,
  );
  process.exit(1);
}
console.log("codegen up to date");
