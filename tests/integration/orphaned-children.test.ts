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

/** Starts a parent script (args after `--import tsx`) tied to this worker; resolves to it and the pid it prints. */
async function startParent(args: readonly string[]) {
  const parent = spawnTied(process.execPath, ["--import", "tsx", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: parent.stdout as NodeJS.ReadableStream }).once("line", resolve);
    parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) first`)));
  });
  return { parent, pid: (JSON.parse(line) as { pid: number }).pid };
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

async function killAndWait(child: ReturnType<typeof spawnTied>): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

for (const how of ["spawn-plane", "plane-process"]) {
  test(`a control plane started by ${how} dies with its parent when the parent is SIGKILLed`, async (t) => {
    if (!tiedSpawnWorks)
      return t.fail("util-linux setpriv is missing: test children can be orphaned");
    const { parent, pid: plane } = await startParent(["tests/support/plane-parent.ts", how]);
    t.teardown(() => parent.kill("SIGKILL"));
    // The plane and what it runs (tsx's esbuild service): all must go.
    const tree = [plane, ...descendants(plane)];
    // Should this fail, leave nothing behind for the next test.
    t.teardown(() => {
      for (const p of tree.filter(isAlive)) process.kill(p, "SIGKILL");
    });
    t.true(tree.every(isAlive), "the plane runs before its parent is killed");
    await killAndWait(parent);
    await eventually(() => tree.every((p) => !isAlive(p)), "the plane and its children gone");
    t.pass();
  });
}

// The simulator (startSimulatorProcess) dies with whoever started it, and the
// containers it runs for `--run-image` pods die with the simulator: killing
// either the parent or the simulator itself leaves neither behind.
for (const victim of ["parent", "simulator"] as const) {
  test(`a kube-simulator and its --run-image pod die when the ${victim} is SIGKILLed`, async (t) => {
    if (!tiedSpawnWorks)
      return t.fail("util-linux setpriv is missing: test children can be orphaned");
    const marker = `orphan-pod-${victim}-${process.pid}`;
    const { parent, pid: sim } = await startParent(["tests/support/simulator-parent.ts", marker]);
    t.teardown(() => parent.kill("SIGKILL"));
    // The pod's process is started after the Deployment is stored: wait for it.
    let tree: number[] = [];
    await eventually(() => {
      tree = [sim, ...descendants(sim)];
      return tree.some((p) => commandLine(p).includes(marker));
    }, "the simulator to run the pod's process");
    t.teardown(() => {
      for (const p of tree.filter(isAlive)) process.kill(p, "SIGKILL");
    });
    t.true(tree.every(isAlive), "the simulator and its pod run before the kill");
    if (victim === "parent") await killAndWait(parent);
    else process.kill(sim, "SIGKILL");
    await eventually(() => tree.every((p) => !isAlive(p)), "the simulator and its pod gone");
    t.pass();
  });
}
