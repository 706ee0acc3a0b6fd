// Issue 8 item 3: credential-cluster agents are never orphaned, and cost less.
// Process-level: real control plane processes, real agent processes, kill -9.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulatorKubeConfigObject, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { eventually } from "../support/hub-harness.js";
import { startPlaneProcess } from "../support/plane-process.js";
import { childProcesses, isAlive } from "../support/process-tree.js";

test("every credential cluster is served by ONE agent process, which exits when its control plane is killed -9", async (t) => {
  t.timeout(300_000);
  const sim = await startSimulator({ cluster: "name=shared,nodes=2" });
  t.teardown(() => sim.close());
  const dataDir = mkdtempSync(join(tmpdir(), "so-host-"));
  const plane = await startPlaneProcess(dataDir, { SO_ALLOW_HTTP_CLUSTERS: "true" });
  t.teardown(() => plane.child.kill("SIGKILL"));
  const uids: string[] = [];
  for (const name of ["plant-a", "plant-b", "plant-c"]) {
    const res = await plane.api("POST", "/clusters", {
      name,
      credentials: simulatorKubeConfigObject(sim.url, name),
    });
    t.is(res.status, 201);
    uids.push(res.body.uid);
  }
  await eventually(
    async () => {
      const list = (await plane.api("GET", "/clusters")).body as { status: string }[];
      return list.length === 3 && list.every((c) => c.status === "Enabled");
    },
    "three credential clusters Enabled",
    120_000,
  );
  const agents = childProcesses(plane.child.pid as number);
  t.is(agents.length, 1, JSON.stringify(agents));
  const host = agents[0] as { pid: number; cmdline: string };
  t.regex(host.cmdline, /--managed/);
  t.is(JSON.parse(readFileSync(join(dataDir, "managed-agents.pid"), "utf8")).pid, host.pid);

  plane.child.kill("SIGKILL");
  await plane.exited;
  // Its stdin closed with the parent: the host stops every agent and exits.
  await eventually(() => !isAlive(host.pid), "the agent host gone after kill -9", 60_000);
  t.pass();
});

test("a starting control plane ends the stray agent host its data directory's pid file names", async (t) => {
  t.timeout(300_000);
  const dataDir = mkdtempSync(join(tmpdir(), "so-stray-"));
  // A host that ignores stdin EOF, so kill -9 of its parent leaves it running.
  const env = {
    SO_AGENT_COMMAND: `${process.execPath} tests/support/deaf-agent.mjs`,
  };
  const first = await startPlaneProcess(dataDir, env);
  t.teardown(() => first.child.kill("SIGKILL"));
  const credentials = {
    clusters: [{ name: "c", cluster: { server: "https://10.255.255.1:6443" } }],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  };
  t.is((await first.api("POST", "/clusters", { name: "remote", credentials })).status, 201);
  const pidFile = join(dataDir, "managed-agents.pid");
  const stray = (await eventually(() => {
    try {
      return JSON.parse(readFileSync(pidFile, "utf8")).pid as number;
    } catch {
      return undefined;
    }
  }, "the host's pid recorded")) as number;
  t.teardown(() => {
    try {
      process.kill(stray, "SIGKILL");
    } catch {}
  });
  first.child.kill("SIGKILL");
  await first.exited;
  t.true(isAlive(stray), "the deaf host outlived its control plane");

  const second = await startPlaneProcess(dataDir, env);
  t.teardown(() => second.child.kill("SIGKILL"));
  await eventually(() => !isAlive(stray), "the stray host ended by the next start", 60_000);
  t.regex(second.output(), /ending the managed agent host a previous control plane left running/);
  // The new control plane runs its own host for the cluster.
  const host = await eventually(
    () => childProcesses(second.child.pid as number).find((c) => c.pid !== stray),
    "a new host",
  );
  t.regex(host?.cmdline ?? "", /deaf-agent/);
  second.child.kill("SIGTERM");
  t.is(await second.exited, 0, second.output());
});
