import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import test from "ava";
import { eventually } from "../support/hub-harness.js";
import { freePort } from "../support/plane-process.js";
import { childPids, commandLine, descendants, isAlive } from "../support/process-tree.js";
import { spawnTied, tiedSpawnWorks } from "../support/tied-spawn.js";

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

/** Starts `npm run demo`'s script tied to this worker, on free ports over a fresh data folder. */
async function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), "so-demo-orphans-"));
  const demo = spawnTied(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
    cwd: join(import.meta.dirname, "..", ".."),
    env: {
      ...process.env,
      SO_PORT: String(await freePort()),
      SO_GRPC_PORT: String(await freePort()),
      SO_DATA_DIR: dataDir,
      SO_ADMIN_TOKEN: "demo-orphans-admin-token-0123",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  demo.stderr.on("data", (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => demo.once("exit", resolve));
  // The first agent starts once the plane is ready and the first simulator runs.
  const pid = demo.pid as number;
  // eventually resolves only with a truthy value: the list.
  const direct = (await eventually(
    () => {
      if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode}): ${stderr}`);
      const found = childPids(pid).map((p) => ({ pid: p, command: commandLine(p) }));
      const has = (part: string) => found.some((c) => c.command.includes(part));
      return has("edge-agent/src/main.ts") && has("kube-simulator") ? found : undefined;
    },
    "the demo to start its first simulator and agent",
    60_000,
  )) as { pid: number; command: string }[];
  return { demo, pid, exited, dataDir, direct, stderr: () => stderr };
}

// `npm run demo` ties what it starts the same way: a kill -9 of the demo takes
// the control plane, the simulators and the agents with it.
test("npm run demo's control plane, simulators and agents die with it on SIGKILL", async (t) => {
  if (!tiedSpawnWorks)
    return t.fail("util-linux setpriv is missing: test children can be orphaned");
  const { demo, pid } = await startDemo();
  t.teardown(() => demo.kill("SIGKILL"));
  const tree = descendants(pid);
  t.teardown(() => {
    for (const p of tree.filter(isAlive)) process.kill(p, "SIGKILL");
  });
  t.true(
    tree.some((p) => commandLine(p).includes("control-plane/src/main.ts")),
    "the plane runs under the demo",
  );
  t.true(tree.every(isAlive), "the demo's processes run before it is killed");
  await killAndWait(demo);
  await eventually(() => tree.every((p) => !isAlive(p)), "the demo's processes gone");
  t.pass();
});

// Tied children die when the demo exits, so on SIGTERM the demo must wait for
// them to stop on their own first. The plane is held stopped (SIGSTOP) while
// the simulator and agent stop: the demo must still be there, and once the
// plane runs again it closes its store (which removes SQLite's -wal file; a
// plane killed by the demo's exit would leave it behind).
test("a SIGTERM of npm run demo waits for its control plane to close its store", async (t) => {
  if (!tiedSpawnWorks)
    return t.fail("util-linux setpriv is missing: test children can be orphaned");
  const { demo, pid, exited, dataDir, direct, stderr } = await startDemo();
  t.teardown(() => demo.kill("SIGKILL"));
  const tree = descendants(pid);
  t.teardown(() => {
    for (const p of tree.filter(isAlive)) process.kill(p, "SIGKILL");
  });
  const plane = direct.find((c) => c.command.includes("control-plane/src/main.ts"))?.pid;
  if (plane === undefined) return t.fail("no control plane under the demo");
  const others = direct.filter((c) => /kube-simulator|edge-agent/.test(c.command));
  process.kill(plane, "SIGSTOP");
  demo.kill("SIGTERM");
  await eventually(
    () => others.every((c) => !isAlive(c.pid)),
    "the demo's simulator and agent to stop",
  );
  t.true(isAlive(pid), "the demo exited before its control plane stopped");
  process.kill(plane, "SIGCONT");
  t.is(await exited, 0, stderr());
  t.false(isAlive(plane), "the plane outlived the demo");
  t.false(
    existsSync(join(dataDir, "smart-orchestrator.db-wal")),
    "the control plane was killed before it closed its store",
  );
  await eventually(() => tree.every((p) => !isAlive(p)), "the demo's processes gone");
});
