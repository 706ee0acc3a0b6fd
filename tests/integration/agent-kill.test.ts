// The agent as a real process, killed with SIGKILL in the middle of an apply
// (no goodbye, no flushed state), then started again: the hub sends the same
// command id again, the new process runs it over what the first one left, and
// the deploy completes exactly once.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type SimulatorProcess, startSimulatorProcess } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { deployDeadlineMs, waitForStatus, webManifests } from "../support/enabler-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";
import { spawnTied } from "../support/tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");
const ns = "kill";

/** webManifests' five objects; the Deployment runs only on a node labelled for it, so the apply waits until the test allows it. */
const manifests = webManifests().map((o) => {
  if (o.kind !== "Deployment") return o;
  const d = structuredClone(o) as any;
  d.spec.template.spec.nodeSelector = { "example.com/kill-test": "go" };
  return d;
});
const kinds = [
  ["api/v1", "serviceaccounts"],
  ["api/v1", "configmaps"],
  ["api/v1", "secrets"],
  ["apis/apps/v1", "deployments"],
  ["api/v1", "services"],
] as const;

interface AgentProcess {
  readonly child: ChildProcess;
  /** Pino log lines, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<void>;
}

function startAgent(args: {
  hub: string;
  sim: SimulatorProcess;
  stateDir: string;
  token?: string;
}) {
  const child = spawnTied(
    process.execPath,
    [
      ...["--import", "tsx", join(root, "edge-agent", "src", "main.ts")],
      ...["--hub", args.hub, "--insecure", "--state-dir", args.stateDir],
      ...["--kubeconfig", args.sim.kubeconfig, "--stats-source", "proxy", "--log-level", "info"],
    ],
    {
      cwd: root,
      env: { ...process.env, ...(args.token ? { SO_TOKEN: args.token } : {}) },
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      // Not a log line.
    }
  });
  // "close", not "exit": every line it wrote before dying has been read by then.
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return { child, lines, exited } satisfies AgentProcess;
}

/** Resolves on the first ADDED event of a release ServiceAccount: the agent is applying. */
async function firstReleaseObject(
  sim: SimulatorProcess,
  signal: AbortSignal,
): Promise<() => Promise<void>> {
  const selector = encodeURIComponent("app.kubernetes.io/managed-by=smart-orchestrator");
  const res = await fetch(
    `${sim.url}/api/v1/serviceaccounts?watch=true&labelSelector=${selector}`,
    {
      signal,
    },
  );
  if (!res.ok || !res.body) throw new Error(`watch: HTTP ${res.status}`);
  const body = res.body;
  return async () => {
    const decoder = new TextDecoder();
    let text = "";
    for await (const chunk of body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (/"type":"ADDED"/.test(text)) return;
    }
    throw new Error("the watch ended before any release object was created");
  };
}

async function get(sim: SimulatorProcess, path: string): Promise<any> {
  const res = await fetch(`${sim.url}/${path}`);
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.json();
}

const logged = (a: AgentProcess, msg: string) => a.lines.filter((l) => l.msg === msg);

test("the agent killed (SIGKILL) mid-apply: started again, the same command completes exactly once", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { token } = await hub.createCluster("killed");
  const sim = await startSimulatorProcess({ cluster: "name=killed,nodes=1,cpu=4,memory=8Gi" });
  t.teardown(() => sim.stop().then(() => undefined));
  const stateDir = mkdtempSync(join(tmpdir(), "so-agent-kill-"));
  const first = startAgent({ hub: hub.hubAddress, sim, stateDir, token });
  t.teardown(() => first.child.kill("SIGKILL"));
  await waitForCluster(hub, "killed", first);

  const watching = new AbortController();
  t.teardown(() => watching.abort());
  const applying = await firstReleaseObject(sim, watching.signal);
  const res = await hub.api("POST", "/enabler", {
    name: "web",
    namespace: ns,
    cluster: "killed",
    manifests,
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  const id: string = res.body.uid;
  await applying();
  first.child.kill("SIGKILL");
  await first.exited;
  watching.abort();

  // Killed mid-apply: it had started this command and never finished it.
  const started = logged(first, "command started");
  t.is(started.length, 1, JSON.stringify(first.lines.slice(-5)));
  const commandId = started[0]?.commandId;
  t.truthy(commandId);
  t.is(logged(first, "command done").length, 0, "the first process finished nothing");
  t.is((await hub.api("GET", `/enabler/${id}`)).body.status, "Deploying");
  let present = 0;
  for (const [group, plural] of kinds)
    present += (await get(sim, `${group}/namespaces/${ns}/${plural}`)).items.filter(
      (o: any) => o.metadata.labels?.["smart-orchestrator.io/enabler-id"] === id,
    ).length;
  t.log(`killed with ${present} of ${kinds.length} objects applied`);

  // The Deployment may now run; a new process takes over the same state directory (its credential).
  const [node] = (await get(sim, "api/v1/nodes")).items;
  const patched = await fetch(`${sim.url}/api/v1/nodes/${node.metadata.name}`, {
    method: "PATCH",
    headers: { "content-type": "application/merge-patch+json" },
    body: JSON.stringify({ metadata: { labels: { "example.com/kill-test": "go" } } }),
  });
  t.is(patched.status, 200);
  const second = startAgent({ hub: hub.hubAddress, sim, stateDir });
  t.teardown(() => second.child.kill("SIGKILL"));

  const enabled = await waitForStatus(hub, id, "Enabled");
  t.is(enabled.appliedRevision, 1);
  t.is(enabled.moves.filter((m: { status: string }) => m.status === "Enabled").length, 1);
  // The hub sent the same command id again; the new process ran it once, to the end.
  await eventually(() => logged(second, "command done").length > 0, "the second agent's log");
  t.deepEqual(
    logged(second, "command started").map((l) => l.commandId),
    [commandId],
  );
  t.deepEqual(
    logged(second, "command done").map((l) => l.commandId),
    [commandId],
  );

  // Nothing twice: one of each object, the Deployment written once (generation 1), one pod.
  const selector = encodeURIComponent(`smart-orchestrator.io/enabler-id=${id}`);
  for (const [group, plural] of kinds) {
    const list = await get(sim, `${group}/namespaces/${ns}/${plural}?labelSelector=${selector}`);
    t.is(list.items.length, 1, `${plural}: ${list.items.map((o: any) => o.metadata.name)}`);
  }
  const dep = await get(sim, `apis/apps/v1/namespaces/${ns}/deployments/web`);
  t.is(dep.metadata.generation, 1, "applied again without a change");
  const pods = await get(sim, `api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
  t.is(pods.items.length, 1);
});

async function waitForCluster(
  hub: Awaited<ReturnType<typeof startHub>>,
  name: string,
  agent: AgentProcess,
): Promise<void> {
  const end = Date.now() + deployDeadlineMs;
  for (;;) {
    if (agent.child.exitCode !== null) throw new Error("the agent exited before joining");
    const clusters = (await hub.api("GET", "/clusters")).body as { name: string; status: string }[];
    if (clusters.find((c) => c.name === name)?.status === "Enabled") return;
    if (Date.now() > end) throw new Error(`cluster ${name} did not join`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
