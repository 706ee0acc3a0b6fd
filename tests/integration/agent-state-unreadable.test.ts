// An agent that cannot read its desired state at start must not tell the hub
// it holds nothing: the control plane would apply every release again.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Agent,
  createAgent,
  FileCredentialStore,
  loadAgentConfig,
} from "@smart-orchestrator/edge-agent";
import { simulatorKubeConfig, startSimulator } from "@smart-orchestrator/kube-simulator";
import { Backoff } from "@smart-orchestrator/shared";
import test from "ava";
import { applyCommand, fakeHub } from "../support/fake-hub.js";
import { eventually, testLogger } from "../support/hub-harness.js";

test("an agent whose desired-state Secrets are unreadable at start sends no ReleaseStatus until it has read them, then sends what it holds", async (t) => {
  t.timeout(120_000);
  const sim = await startSimulator({ cluster: "name=edge,nodes=1", readyDelayMs: 0 });
  const hub = fakeHub();
  const port = await hub.start();
  const dir = mkdtempSync(join(tmpdir(), "so-unreadable-"));
  await new FileCredentialStore(dir).save({ clusterId: "c1", credential: "c1.secret" });

  let fire: (() => void) | undefined;
  // Cluster mode (no --state-dir): the desired state is kept in Secrets.
  const start = () =>
    createAgent({
      config: loadAgentConfig({}, ["--hub", `127.0.0.1:${port}`, "--insecure"]),
      kubeConfig: simulatorKubeConfig(sim.url, sim.spec.name),
      log: testLogger("agent"),
      hostScope: "none",
      credentials: new FileCredentialStore(dir),
      link: { backoff: new Backoff({ initialMs: 50, maxMs: 300 }) },
      repairEvery: (_ms, fn) => {
        fire = fn;
        return () => {
          fire = undefined;
        };
      },
    });
  let agent: Agent = await start();
  t.teardown(async () => {
    await agent.stop();
    hub.stop();
    await sim.close();
  });
  await eventually(() => hub.statuses.length === 1, "the first session's ReleaseStatus");
  hub.send(
    applyCommand({
      id: "e1/1",
      release: "settings",
      enablerId: "e1",
      namespace: "default",
      revision: 1,
      objects: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "1" } },
      ],
      timeoutMs: 30_000,
    }),
  );
  await eventually(() => hub.results.length === 1, "the Apply's result");
  t.true(hub.results[0]?.ok, JSON.stringify(hub.results[0]));

  // Restart while the API refuses Secrets: the load at start fails.
  await agent.stop();
  const before = hub.statuses.length;
  sim.setForbidden(["secrets"]);
  agent = await start();
  await eventually(() => agent.link.state === "connected", "the restarted agent connected");
  sim.setForbidden([]);
  // The next repair interval reads the state and reports it (the greeting may have, too).
  fire?.();
  await agent.repairer.sweep();
  const first = await eventually(() => hub.statuses[before], "a ReleaseStatus after the restart");
  t.deepEqual(
    first?.releases.map((r) => `${r.enablerId}@${r.revision}`),
    ["e1@1"],
    "the first ReleaseStatus after the restart names the held release, never an empty list",
  );
});
