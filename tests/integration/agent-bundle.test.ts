// Smoke run of the shipped agent: the esbuild bundle (npm run build:agent)
// started through edge-agent/bin/edge-agent, i.e. with the V8 flags we ship
// (no optimizing JIT tiers; WebAssembly stays on). Built into
// a temp folder, so the test needs no earlier build step.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { buildShippedAgent, spawnAgent, startJoinTarget } from "../support/agent-process.js";
import { eventually } from "../support/hub-harness.js";

const _root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "so-agent-bundle-"));
const launcher = join(dir, "bin", "edge-agent");

test.before(() => {
  buildShippedAgent(dir);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test("the bundle starts with the shipped flags and prints --help", (t) => {
  const out = execFileSync(launcher, ["--help"], { encoding: "utf8" });
  t.regex(out, /^Usage: edge-agent/);
  t.regex(out, /--ca-hash/);
});

test("the bundle, with the shipped flags, joins over TLS, reports usage and stops on SIGTERM", async (t) => {
  const { hub, uid, token, kubeconfig } = await startJoinTarget(t, {
    cluster: "bundled",
    simulator: "nodes=3",
    dir,
  });
  const args = [
    ...["--hub", `localhost:${hub.plane.grpcPort}`, "--token", token],
    ...["--ca-hash", hub.plane.caHash ?? "", "--state-dir", join(dir, "state")],
    ...["--kubeconfig", kubeconfig, "--stats-source", "proxy", "--log-level", "warn"],
  ];
  const { child: agent, stderr, exited } = spawnAgent(t, launcher, args);

  const nodes = await eventually(
    async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr()}`);
      const body = (await hub.api("GET", `/clusters/node/${uid}`)).body;
      return body.length === 3 && body.every((n: { usage?: object }) => n.usage) ? body : undefined;
    },
    "three nodes with usage from the bundled agent",
    30_000,
  );
  t.is(nodes.length, 3);
  t.true(nodes[0].usage.cpuMillis > 0);
  agent.kill("SIGTERM");
  t.is(await exited, 0);
  t.notRegex(stderr(), /WebAssembly|Error/);
});
