import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import test from "ava";
import { eventually } from "../support/hub-harness.js";
import { isAlive } from "../support/plane-process.js";
import { spawnTied, tiedSpawnWorks } from "../support/tied-spawn.js";

/** Every descendant of `pid` (Linux /proc), deepest last. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    } catch {}
    for (const c of text ? text.split(/\s+/).map(Number) : []) out.push(c, ...descendants(c));
  }
  return out;
}

for (const how of ["spawn-plane", "plane-process"]) {
  test(`a control plane started by ${how} dies with its parent when the parent is SIGKILLed`, async (t) => {
    if (!tiedSpawnWorks)
      return t.fail("util-linux setpriv is missing: test children can be orphaned");
    const parent = spawnTied(
      process.execPath,
      ["--import", "tsx", "tests/support/plane-parent.ts", how],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    t.teardown(() => parent.kill("SIGKILL"));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout as NodeJS.ReadableStream }).once("line", resolve);
      parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) first`)));
    });
    const plane = (JSON.parse(line) as { pid: number }).pid;
    // The plane and what it runs (tsx's esbuild service): all must go.
    const tree = [plane, ...descendants(plane)];
    // Should this fail, leave nothing behind for the next test.
    t.teardown(() => {
      for (const p of tree.filter(isAlive)) process.kill(p, "SIGKILL");
    });
    t.true(tree.every(isAlive), "the plane runs before its parent is killed");
    const parentExit = new Promise((resolve) => parent.once("exit", resolve));
    parent.kill("SIGKILL");
    await parentExit;
    await eventually(() => tree.every((p) => !isAlive(p)), "the plane and its children gone");
    t.pass();
  });
}
