// The shipped agent (bundle + edge-agent/bin/edge-agent and its V8 flags)
// joins and sends its first report on every Node we support: x64 Node 22 and
// 24, and arm64 Node 22 under qemu-user (a Raspberry Pi's runtime). The
// binaries come from `npm run runtimes` (.tools/node, git-ignored); .ci/run
// installs them and sets SO_REQUIRE_RUNTIMES=1 so that a missing one fails
// instead of skipping.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
// @ts-expect-error: a plain .mjs script without types
import { runtimeNode } from "../../scripts/node-runtimes.mjs";
import { buildShippedAgent, spawnAgent, startJoinTarget } from "../support/agent-process.js";
import { eventually } from "../support/hub-harness.js";

const dir = mkdtempSync(join(tmpdir(), "so-agent-runtimes-"));
const launcher = join(dir, "bin", "edge-agent");
const qemuLibs = "/usr/aarch64-linux-gnu";
const required = process.env.SO_REQUIRE_RUNTIMES === "1";

test.before(() => {
  buildShippedAgent(dir);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** The command the launcher runs as `node`: the binary itself, or a qemu wrapper. */
function nodeCommand(name: string): { node: string; missing?: string } {
  const bin = runtimeNode(name) as string;
  if (!existsSync(bin)) return { node: bin, missing: `${bin} (run npm run runtimes)` };
  if (!name.startsWith("arm64")) return { node: bin };
  if (!existsSync(join(qemuLibs, "lib")))
    return {
      node: bin,
      missing: `${qemuLibs} (apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross)`,
    };
  const wrapper = join(dir, `node-${name}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec qemu-aarch64 -L ${qemuLibs} ${bin} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return { node: wrapper };
}

for (const [name, timeoutMs] of [
  ["x64-22", 60_000],
  ["x64-24", 60_000],
  // Emulated: every instruction of an interpreter-only JS engine goes through qemu.
  ["arm64-22", 240_000],
] as const) {
  const { node, missing } = existsSync(dir) ? nodeCommand(name) : { node: "", missing: "no dir" };
  const title = `the shipped launcher joins and reports on Node ${name}`;
  if (missing && !required) {
    test.skip(`${title} (skipped: missing ${missing})`, () => undefined);
    continue;
  }
  test.serial(title, async (t) => {
    t.timeout(timeoutMs + 30_000);
    if (missing) t.fail(`missing ${missing}`);
    const { hub, uid, token, kubeconfig } = await startJoinTarget(t, {
      cluster: `rt-${name}`,
      simulator: "nodes=2,arch=arm64",
      dir,
    });
    const {
      child: agent,
      stderr,
      exited,
    } = spawnAgent(
      t,
      launcher,
      [
        ...["--hub", `localhost:${hub.plane.grpcPort}`, "--ca-hash", hub.plane.caHash ?? ""],
        ...["--state-dir", join(dir, `state-${name}`), "--kubeconfig", kubeconfig],
        ...["--stats-source", "proxy", "--log-level", "warn"],
      ],
      { env: { ...process.env, EDGE_AGENT_NODE: node, SO_TOKEN: token } },
    );
    const nodes = await eventually(
      async () => {
        if (agent.exitCode !== null) throw new Error(`agent exited ${agent.exitCode}: ${stderr()}`);
        const body = (await hub.api("GET", `/clusters/node/${uid}`)).body;
        return body.length === 2 ? body : undefined;
      },
      `the first report from Node ${name}`,
      timeoutMs,
    );
    t.deepEqual(
      nodes.map((n: { arch: string }) => n.arch),
      ["arm64", "arm64"],
    );
    const view = (await hub.api("GET", `/clusters/${uid}`)).body;
    t.is(view.status, "Enabled");
    agent.kill("SIGTERM");
    t.is(await exited, 0, stderr());
    t.notRegex(stderr(), /WebAssembly|bad option|Error/);
  });
}
