// Issue 8 item 3: an agent whose credential is revoked stops with a clear log
// line instead of retrying forever (13 orphans did exactly that).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulatorKubeConfigObject, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { eventually, startHub } from "../support/hub-harness.js";
import { spawnTied } from "../support/tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");
const revoked = (uid: string) => `${uid}.${"r".repeat(43)}`;

function agentProcess(args: string[]) {
  const child = spawnTied(
    process.execPath,
    ["--import", "tsx", "edge-agent/src/main.ts", ...args],
    {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d;
  });
  let events = "";
  child.stdio[3]?.on("data", (d: Buffer) => {
    events += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => out, events: () => events };
}

test("an agent whose saved credential is revoked and has no join token exits 3 with a clear line", async (t) => {
  t.timeout(300_000);
  const sim = await startSimulator({ cluster: "name=gone,nodes=1" });
  t.teardown(() => sim.close());
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid } = await hub.createCluster("gone");
  const dir = mkdtempSync(join(tmpdir(), "so-revoked-"));
  mkdirSync(join(dir, "state"));
  writeFileSync(
    join(dir, "state", "credential.json"),
    JSON.stringify({ clusterId: uid, credential: revoked(uid) }),
  );
  writeFileSync(
    join(dir, "kubeconfig"),
    JSON.stringify(simulatorKubeConfigObject(sim.url, "gone")),
  );
  const agent = agentProcess([
    ...["--hub", hub.hubAddress, "--ca-hash", hub.plane.caHash ?? ""],
    ...["--state-dir", join(dir, "state"), "--kubeconfig", join(dir, "kubeconfig")],
  ]);
  t.teardown(() => agent.child.kill("SIGKILL"));
  t.is(await agent.exited, 3, agent.output());
  t.regex(
    agent.output(),
    /refused this agent's credential and no join token is left to try: stopping/,
  );
  t.regex(agent.output(), /unknown or revoked cluster credential/);
});

test("the managed host stops a cluster's agent whose credential is revoked, reports it, and keeps running", async (t) => {
  t.timeout(300_000);
  const sim = await startSimulator({ cluster: "name=revoked,nodes=1" });
  t.teardown(() => sim.close());
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid } = await hub.createCluster("revoked");
  const host = agentProcess([
    "--managed",
    "--hub",
    hub.hubAddress,
    "--ca-hash",
    hub.plane.caHash ?? "",
  ]);
  t.teardown(() => host.child.kill("SIGKILL"));
  host.child.stdin.write(
    `${JSON.stringify({
      type: "start",
      clusterId: uid,
      credential: revoked(uid),
      kubeconfig: simulatorKubeConfigObject(sim.url, "revoked"),
      allowHttp: true,
    })}\n`,
  );
  const line = await eventually(
    () =>
      host
        .events()
        .split("\n")
        .find((l) => l.includes('"revoked"')),
    "a revoked event",
    90_000,
  );
  t.like(JSON.parse(line ?? "{}"), { clusterId: uid, state: "revoked" });
  t.regex(line ?? "", /unknown or revoked cluster credential/);
  t.is(host.child.exitCode, null, "the host keeps serving other clusters");
  host.child.stdin.end();
  t.is(await host.exited, 0);
  t.is(host.output().match(/refused this agent's credential/g)?.length, 1, "tried once, not again");
});
