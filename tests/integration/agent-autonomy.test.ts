import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Agent } from "@smart-orchestrator/edge-agent";
import {
  realTool,
  simulatorKubeConfigObject,
  startSimulator,
} from "@smart-orchestrator/kube-simulator";
import { ReleaseHealth, type ReleaseStatus } from "@smart-orchestrator/shared";
import test from "ava";
import { applyCommand, fakeHub, startLinkedAgent } from "../support/fake-hub.js";
import { eventually } from "../support/hub-harness.js";

const kubectl = realTool("kubectl");

test("with the hub down, a Deployment deleted with kubectl comes back, also after an agent restart; the hub hears of it on reconnect", async (t) => {
  if (!kubectl.ok) {
    t.log(`skipped: ${kubectl.reason}`);
    t.pass();
    return;
  }
  const sim = await startSimulator({ cluster: "name=edge,nodes=1", readyDelayMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), "so-autonomy-"));
  const kubeconfigFile = join(dir, "kubeconfig.json");
  writeFileSync(kubeconfigFile, JSON.stringify(simulatorKubeConfigObject(sim.url, "edge")), {
    mode: 0o600,
  });
  // The hub keeps its port across restarts, so the agent finds it again.
  const hub = fakeHub();
  const port = await hub.start();

  let fire: (() => void) | undefined;
  const startAgent = () =>
    startLinkedAgent({
      port,
      sim,
      stateDir: dir,
      repairEvery: (_ms, fn) => {
        fire = fn;
        return () => {
          fire = undefined;
        };
      },
    });
  let agent: Agent = await startAgent();
  t.teardown(async () => {
    await agent.stop();
    hub.stop();
    await sim.close();
  });
  const tick = async () => {
    fire?.();
    await agent.repairer.sweep();
  };
  await eventually(() => hub.statuses.length === 1, "the first session's ReleaseStatus");
  t.deepEqual(hub.statuses[0]?.releases, []);

  const objects = [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "nginx" }] },
        },
      },
    },
  ];
  hub.send(
    applyCommand({
      id: "e1/1",
      release: "web",
      enablerId: "e1",
      namespace: "edge",
      revision: 1,
      objects,
      timeoutMs: 30_000,
    }),
  );
  const result = await eventually(() => hub.results[0], "apply");
  t.true(result?.ok, result?.message);

  // Async: the simulator answers kubectl from this very process.
  const deleteByHand = async () =>
    (
      await promisify(execFile)(kubectl.path, [
        "--kubeconfig",
        kubeconfigFile,
        "-n",
        "edge",
        "delete",
        "deployment",
        "web",
      ])
    ).stdout;
  hub.stop();
  await eventually(() => agent.link.state !== "connected", "agent sees the hub gone");
  t.regex(await deleteByHand(), /deleted/);
  t.falsy(sim.get("Deployment", "edge", "web"));
  await tick();
  t.truthy(sim.get("Deployment", "edge", "web"), "back while the hub is down");

  // The agent restarts while the hub is still down: its desired state comes from the state dir.
  await agent.stop();
  agent = await startAgent();
  await deleteByHand();
  await tick();
  const back = sim.get("Deployment", "edge", "web") as { spec?: { replicas?: number } } | undefined;
  t.is(back?.spec?.replicas, 2, "back after the restart, with no hub at all");

  await hub.start();
  const status = (await eventually(
    () => hub.statuses.find((s) => s.releases.length > 0),
    "the ReleaseStatus of the new session",
  )) as ReleaseStatus;
  t.like(status.releases[0], {
    release: "web",
    enablerId: "e1",
    namespace: "edge",
    revision: 1,
    repairs: 1,
    lastRepaired: ["Deployment edge/web (recreated)"],
  });
  t.not(status.releases[0]?.health, ReleaseHealth.RELEASE_HEALTH_UNSPECIFIED);
});
