// The README and docs/ are read in a clone, without the team folder: every
// relative link must resolve inside the repository, and every source path
// docs/architecture.md names must exist, so the page cannot quietly drift
// from the code it describes.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import test from "ava";

const root = resolve(import.meta.dirname, "..", "..");
const docs = ["README.md", ...readdirSync(join(root, "docs")).map((f) => join("docs", f))].filter(
  (f) => f.endsWith(".md"),
);

test("relative links in the README and docs/ resolve inside the repository", (t) => {
  let checked = 0;
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), "utf8");
    for (const [, target = ""] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const path = resolve(root, dirname(doc), target);
      t.false(
        relative(root, path).startsWith(".."),
        `${doc} links outside the repository: ${target}`,
      );
      t.true(existsSync(path), `${doc} links to a missing file: ${target}`);
      checked++;
    }
  }
  t.true(checked > 0);
});

test("every path docs/architecture.md names exists", (t) => {
  const text = readFileSync(join(root, "docs", "architecture.md"), "utf8");
  const base = ["control-plane/src", "edge-agent/src", "shared/src", "kube-simulator"];
  let checked = 0;
  for (const [, path = ""] of text.matchAll(
    /`([\w./-]+\/[\w./-]*|[\w-]+\.(?:ts|mjs|md|proto))`/g,
  )) {
    if (path.startsWith(".") && !path.startsWith(".ci")) continue;
    const candidates = [path, ...base.map((b) => join(b, path))];
    // Bare file names (`config.ts`) are looked up beside the section's folders.
    const found =
      candidates.some((c) => existsSync(join(root, c))) || (!path.includes("/") && findFile(path));
    t.true(found, `docs/architecture.md names ${path}, which does not exist`);
    checked++;
  }
  t.true(checked > 40, `only ${checked} paths checked`);
});

function findFile(name: string): boolean {
  const dirs = ["control-plane/src", "edge-agent/src", "shared/src"];
  const walk = (dir: string): boolean =>
    readdirSync(join(root, dir), { withFileTypes: true }).some((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name === name,
    );
  return dirs.some(walk);
}
