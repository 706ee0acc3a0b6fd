// Smoke run of the shipped agent: the esbuild bundle (npm run build:agent)
// started through edge-agent/bin/edge-agent, i.e. with the V8 flags we ship
// (no optimizing JIT tiers; WebAssembly stays on). Built into
// a temp folder, so the test needs no earlier build step.
import { type ChildProcess, execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulatorKubeConfigObject, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { eventually, startHub } from "../support/hub-harness.js";
import { spawnTied } from "../support/tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "so-agent-bundle-"));
const launcher = join(dir, "bin", "edge-agent");

test.before(() => {
  execFileSync(process.execPath, [
    join(root, "scripts", "build-agent.mjs"),
    "--outdir",
    join(dir, "dist"),
  ]);
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(root, "edge-agent", "bin", "edge-agent"), launcher);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test("the bundle starts with the shipped flags and prints --help", (t) => {
  const out = execFileSync(launcher, ["--help"], { encoding: "utf8" });
  t.regex(out, /^Usage: edge-agent/);
  t.regex(out, /--ca-hash/);
});

test("the bundle, with the shipped flags, joins over TLS, reports usage and stops on SIGTERM", async (t) => {
  const sim = await startSimulator({ cluster: "name=bundled,nodes=3" });
  t.teardown(() => sim.close());
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("bundled");
  const kubeconfig = join(dir, "bundled.kubeconfig");
  writeFileSync(kubeconfig, JSON.stringify(simulatorKubeConfigObject(sim.url, "bundled")));
  const args = [
    ...["--hub", `localhost:${hub.plane.grpcPort}`, "--token", token],
    ...["--ca-hash", hub.plane.caHash ?? "", "--state-dir", join(dir, "state")],
    ...["--kubeconfig", kubeconfig, "--stats-source", "proxy", "--log-level", "warn"],
  ];
  const agent: ChildProcess = spawnTied(launcher, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  agent.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => agent.once("exit", resolve));
  t.teardown(() => {
    agent.kill("SIGKILL");
  });

  const nodes = await eventually(
    async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
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
  t.notRegex(stderr, /WebAssembly|Error/);
});
