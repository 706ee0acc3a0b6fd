// The installer end to end, as an operator runs it: the printed one-liner,
// the real kubectl (.tools/bin), a `kube-simulator` process standing in for
// the cluster, and a real agent that the simulator starts for the agent pod
// (`--run-image`), which joins a real control plane.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { realTool, startSimulatorProcess } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { eventually, startHub } from "../tests/support/hub-harness.js";

const root = join(import.meta.dirname, "..");
const kubectl = realTool("kubectl");
if (!kubectl.ok) console.log(`SKIPPED installer end-to-end tests: ${kubectl.reason}`);
const e2e = kubectl.ok ? test.serial : test.skip;
const agentImage = "ghcr.io/smart-orchestrator/edge-agent";
const tsx = import.meta.resolve("tsx");

interface Run {
  readonly code: number;
  readonly out: string;
}

function sh(line: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      "sh",
      ["-c", line],
      {
        cwd: mkdtempSync(join(tmpdir(), "so-install-")),
        env: {
          ...process.env,
          ...env,
          PATH: `${kubectl.ok ? dirname(kubectl.path) : ""}:${process.env.PATH}`,
        },
        timeout: 240_000,
      },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          out: stdout + stderr,
        }),
    );
  });
}

/** A simulated cluster whose agent pods run the repository's agent for real. */
async function cluster(name: string) {
  const sim = await startSimulatorProcess({
    cluster: `name=${name},nodes=2,distribution=k3s`,
    args: [
      "--run-image",
      `${agentImage}=${process.execPath} --import ${tsx} ${join(root, "edge-agent", "src", "main.ts")}`,
    ],
  });
  const kube = (args: string) => sh(`kubectl ${args}`, { KUBECONFIG: sim.kubeconfig });
  return { sim, kube };
}

/** The join line from the control plane, pointed at where the test reaches it. */
async function joinLine(hub: Awaited<ReturnType<typeof startHub>>, name: string) {
  const created = await hub.api("POST", "/clusters", { name, cloud: false });
  const command: string = created.body.join.command;
  const served = /curl -sfLo so-agent\.sh (\S+)/.exec(command)?.[1] ?? "";
  return {
    uid: created.body.uid as string,
    token: created.body.join.token as string,
    line: command.replace(served, `${hub.url}/install/agent.sh`),
  };
}

/**
 * An install that cannot join: the first run applies and gives up at once;
 * once the agent has logged `why` (an event, however slow the machine), a
 * second run, which changes nothing, reports the failure with that log.
 */
async function failedInstall(line: string, kubeconfig: string, why: RegExp): Promise<Run> {
  const first = await sh(`${line} --timeout 1`, { KUBECONFIG: kubeconfig });
  if (first.code !== 1) throw new Error(`the install did not fail: ${first.out}`);
  await eventually(
    async () =>
      why.test(
        (
          await sh("kubectl -n smart-orchestrator logs deployment/smart-orchestrator-agent", {
            KUBECONFIG: kubeconfig,
          })
        ).out,
      ),
    `the agent logging ${why}`,
    120_000,
  );
  const report = await sh(`${line} --timeout 1`, { KUBECONFIG: kubeconfig });
  if (report.code !== 1) throw new Error(`the second install did not fail: ${report.out}`);
  return report;
}

e2e(
  "the one-liner installs an agent that joins; a second run changes nothing; uninstall leaves nothing",
  async (t) => {
    const hub = await startHub({ env: { SO_PUBLIC_URL: "http://localhost" } });
    t.teardown(() => hub.close());
    const { sim, kube } = await cluster("edge-pi");
    t.teardown(() => sim.stop());
    const { uid, line } = await joinLine(hub, "edge-pi");

    const first = await sh(`${line} --timeout 120`, { KUBECONFIG: sim.kubeconfig });
    t.is(first.code, 0, first.out);
    t.regex(first.out, /so-agent\.sh: OK/);
    t.regex(first.out, new RegExp(`joined as cluster ${uid}`));
    const shown = await eventually(
      async () => {
        const c = (await hub.api("GET", `/clusters/${uid}`)).body;
        const nodes = (await hub.api("GET", `/clusters/node/${uid}`)).body;
        return c.status === "Enabled" && nodes.length === 2 ? { c, nodes } : undefined;
      },
      "the installed agent Enabled with its two nodes",
      60_000,
    );
    t.is(shown?.c.distribution, "k3s");

    const before = await kube(
      "get deployment,serviceaccount,role,rolebinding,secret -n smart-orchestrator -o json",
    );
    const second = await sh(`${line} --timeout 120`, { KUBECONFIG: sim.kubeconfig });
    t.is(second.code, 0, second.out);
    t.regex(second.out, new RegExp(`joined as cluster ${uid}`));
    const after = await kube(
      "get deployment,serviceaccount,role,rolebinding,secret -n smart-orchestrator -o json",
    );
    const versions = (json: string) =>
      (
        JSON.parse(json).items as {
          kind: string;
          metadata: { name: string; resourceVersion: string };
        }[]
      )
        .map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)
        .sort();
    t.deepEqual(versions(after.out), versions(before.out), "a second run changed objects");

    const removed = await sh(`${line} --uninstall`, { KUBECONFIG: sim.kubeconfig });
    t.is(removed.code, 0, removed.out);
    await eventually(
      async () => (await hub.api("GET", `/clusters/${uid}`)).body.status === "Disconnected",
      "the agent gone from the hub",
      60_000,
    );
    const left = await kube(
      "get clusterrole,clusterrolebinding,namespace -o name -l app.kubernetes.io/part-of=smart-orchestrator",
    );
    t.is(left.code, 0, left.out);
    t.is(left.out.trim(), "", "uninstall left objects behind");
    const pods = await kube("get pods -A -o name");
    t.notRegex(pods.out, /smart-orchestrator-agent/);
  },
);

e2e(
  "a wrong CA hash: the agent never joins, and the script says why with the agent's log",
  async (t) => {
    const hub = await startHub({ env: { SO_PUBLIC_URL: "http://localhost" } });
    t.teardown(() => hub.close());
    const { sim } = await cluster("edge-wrong-ca");
    t.teardown(() => sim.stop());
    const { uid, line } = await joinLine(hub, "edge-wrong-ca");
    const forged = line.replace(
      /--ca-hash sha256:[0-9a-f]{64}/,
      `--ca-hash sha256:${"0".repeat(64)}`,
    );
    const r = await failedInstall(forged, sim.kubeconfig, /matches --ca-hash/);
    t.regex(r.out, /did not join within 1s/);
    t.regex(r.out, /last log lines/);
    t.regex(r.out, /reason: .*(CA|ca-hash|pin)/i);
    t.is((await hub.api("GET", `/clusters/${uid}`)).body.status, "Pending");
  },
);

e2e("an expired join token: the agent is refused, and the script says why", async (t) => {
  let now = Date.now();
  const hub = await startHub({
    env: { SO_PUBLIC_URL: "http://localhost" },
    now: () => new Date(now),
  });
  t.teardown(() => hub.close());
  const { sim } = await cluster("edge-late");
  t.teardown(() => sim.stop());
  const { uid, line } = await joinLine(hub, "edge-late");
  now += 25 * 3600 * 1000;
  const r = await failedInstall(line, sim.kubeconfig, /expired/);
  t.regex(r.out, /did not join/);
  t.regex(r.out, /reason: .*expired/);
  t.is((await hub.api("GET", `/clusters/${uid}`)).body.status, "Pending");
});
