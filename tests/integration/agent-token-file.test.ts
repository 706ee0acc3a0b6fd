// The real agent process joins with its token read from --token-file, and the
// token never appears on its command line, which every user sees in ps.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { spawnAgent, startJoinTarget } from "../support/agent-process.js";
import { eventually } from "../support/hub-harness.js";

const root = join(import.meta.dirname, "..", "..");

test("an agent started with --token-file joins, and ps does not show the token", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "so-token-file-"));
  const { hub, uid, token, kubeconfig } = await startJoinTarget(t, {
    cluster: "tokenfile",
    simulator: "nodes=1",
    dir,
  });
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });

  const {
    child: agent,
    stderr,
    exited,
  } = spawnAgent(
    t,
    process.execPath,
    [
      ...["--import", "tsx", join(root, "edge-agent", "src", "main.ts")],
      ...["--hub", `localhost:${hub.plane.grpcPort}`, "--token-file", tokenFile],
      ...["--ca-hash", hub.plane.caHash ?? "", "--state-dir", join(dir, "state")],
      ...["--kubeconfig", kubeconfig, "--stats-source", "proxy", "--log-level", "warn"],
    ],
    { cwd: root },
  );

  await eventually(
    async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${stderr()}`);
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
  t.notRegex(stderr(), /visible to every user in ps/, "no warning: the token was not on argv");
});
