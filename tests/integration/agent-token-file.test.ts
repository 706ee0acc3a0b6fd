// The real agent process joins with its token read from --token-file, and the
// token never appears on its command line, which every user sees in ps.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulatorKubeConfigObject, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { eventually, startHub } from "../support/hub-harness.js";
import { spawnTied } from "../support/tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");

test("an agent started with --token-file joins, and ps does not show the token", async (t) => {
  const sim = await startSimulator({ cluster: "name=tokenfile,nodes=1" });
  t.teardown(() => sim.close());
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("tokenfile");
  const dir = mkdtempSync(join(tmpdir(), "so-token-file-"));
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const kubeconfig = join(dir, "kubeconfig.json");
  writeFileSync(kubeconfig, JSON.stringify(simulatorKubeConfigObject(sim.url, "tokenfile")));

  const agent: ChildProcess = spawnTied(
    process.execPath,
    [
      ...["--import", "tsx", join(root, "edge-agent", "src", "main.ts")],
      ...["--hub", `localhost:${hub.plane.grpcPort}`, "--token-file", tokenFile],
      ...["--ca-hash", hub.plane.caHash ?? "", "--state-dir", join(dir, "state")],
      ...["--kubeconfig", kubeconfig, "--stats-source", "proxy", "--log-level", "warn"],
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  agent.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => agent.once("exit", resolve));
  t.teardown(() => {
    agent.kill("SIGKILL");
  });

  await eventually(
    async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr}`);
      return (await hub.api("GET", `/clusters/${uid}`)).body.status === "Enabled";
    },
    "the cluster Enabled through the agent that read its token from a file",
    60_000,
  );
  // Read once the agent runs (after exec), as ps would.
  const cmdline = readFileSync(`/proc/${agent.pid}/cmdline`, "utf8");
  t.true(cmdline.includes("--token-file"));
  t.false(cmdline.includes(token), "the join token is on the command line");
  agent.kill("SIGTERM");
  t.is(await exited, 0);
  t.notRegex(stderr, /visible to every user in ps/, "no warning: the token was not on argv");
});
