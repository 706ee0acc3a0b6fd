// A fresh clone stays clean through `npm ci` and the tests. The full check is
// .ci/run (scripts/check-clean.mjs after each step); these tests guard the
// check itself and the cause seen before: a lockfile `bin` out of step with a
// workspace's package.json, which makes `npm ci` chmod the stale target.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";

const root = join(import.meta.dirname, "..", "..");
const checkClean = join(root, "scripts", "check-clean.mjs");

function readJson(path: string): any {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** `bin` as npm writes it into the lockfile: an object, paths without "./". */
function normalisedBin(pkg: { name: string; bin?: string | Record<string, string> }) {
  if (pkg.bin === undefined) return undefined;
  const bin =
    typeof pkg.bin === "string" ? { [pkg.name.split("/").pop() ?? ""]: pkg.bin } : pkg.bin;
  return Object.fromEntries(Object.entries(bin).map(([k, v]) => [k, v.replace(/^\.\//, "")]));
}

test("the lockfile's workspace entries carry each package.json's bin", (t) => {
  const lock = readJson(join(root, "package-lock.json"));
  const workspaces: string[] = readJson(join(root, "package.json")).workspaces;
  t.true(workspaces.length > 0);
  for (const ws of workspaces) {
    const pkg = readJson(join(root, ws, "package.json"));
    t.deepEqual(lock.packages[ws]?.bin, normalisedBin(pkg), `${ws}: run npm install and commit`);
  }
});

/** A throwaway git repo with one committed file. */
function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "so-clean-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir });
  git("init", "-q");
  git("config", "user.email", "ci@example.com");
  git("config", "user.name", "ci");
  git("config", "core.fileMode", "true");
  writeFileSync(join(dir, "main.ts"), "export {};\n");
  git("add", ".");
  git("commit", "-qm", "init");
  return dir;
}

function check(dir: string, baseline = "") {
  return spawnSync(process.execPath, [checkClean, "npm ci", baseline], {
    cwd: dir,
    encoding: "utf8",
  });
}

test("check-clean passes on a clean tree and fails on a mode change, naming the file", (t) => {
  const dir = repo();
  t.is(check(dir).status, 0);
  chmodSync(join(dir, "main.ts"), 0o755);
  const dirty = check(dir);
  t.is(dirty.status, 1);
  t.regex(dirty.stderr, /not clean after npm ci/);
  t.regex(dirty.stderr, /M main\.ts/);
});

test("check-clean fails on a file left behind, and only on changes beyond the baseline", (t) => {
  const dir = repo();
  writeFileSync(join(dir, "main.ts"), "export const edited = 1;\n");
  const baseline = execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], {
    cwd: dir,
    encoding: "utf8",
  });
  t.is(check(dir, baseline).status, 0, "an edit made before CI started is not blamed on it");
  writeFileSync(join(dir, "leftover.db"), "");
  const left = check(dir, baseline);
  t.is(left.status, 1);
  t.regex(left.stderr, /\?\? leftover\.db/);
});
