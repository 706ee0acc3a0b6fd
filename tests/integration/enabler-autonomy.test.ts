import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realTool, startSimulator } from "@smart-orchestrator/kube-simulator";
import test, { type ExecutionContext } from "ava";
import {
  deployDeadlineMs,
  releaseObjects,
  waitForStatus,
  webKinds,
  webManifests,
} from "../support/enabler-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";
import { credentialOnly, kubectlOn, startRepairableAgent } from "../support/repairable-agent.js";

// Issue 11 end to end, the control plane's side: REST → store → hub → a real
// agent → the simulated cluster, with the control plane or the agent stopped
// in between. The agent-only view of the same story (a stand-in hub) is in
// agent-autonomy.test.ts. Serial: each test runs a plane, an agent and a simulator.

const kubectl = realTool("kubectl");
const env = { SO_INSECURE: "true" };

/** A plane, a simulated cluster `edge` with a repairable agent, and `web` deployed on it. */
async function webOnEdge(
  t: ExecutionContext,
  options: { manifests?: unknown[]; closePlane?: boolean } = {},
) {
  const hub = await startHub({ env });
  if (options.closePlane !== false) t.teardown(() => hub.close());
  const { token } = await hub.createCluster("edge");
  const sim = await startSimulator({ cluster: "name=edge,nodes=1" });
  t.teardown(() => sim.close());
  const agent = await startRepairableAgent({ hub: hub.hubAddress, token, sim });
  t.teardown(() => agent.stop());
  const res = await hub.api("POST", "/enabler", {
    name: "web",
    cluster: "edge",
    manifests: options.manifests ?? webManifests(),
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  const id: string = res.body.uid;
  await waitForStatus(hub, id, "Enabled");
  return { hub, sim, agent, id };
}

test.serial(
  "control plane stopped: a Deployment deleted with kubectl comes back, also after an agent restart; back online, GET /enabler/:id shows the repair and the cluster's confirmation",
  async (t) => {
    if (!kubectl.ok) {
      t.log(`skipped: ${kubectl.reason}`);
      t.pass();
      return;
    }
    const first = await webOnEdge(t, {
      manifests: webManifests({ replicas: 2 }),
      closePlane: false,
    });
    const { hub: hub1, sim, id } = first;
    let a = first.agent;
    t.teardown(() => a.stop());
    const deleteByHand = () => kubectlOn(kubectl.path, sim, ["delete", "deployment", "web"]);

    // Connected: the repair is reported at once (a ReleaseStatus after the sweep).
    t.regex(await deleteByHand(), /deleted/);
    await a.repair();
    const live = await eventually(async () => {
      const view = (await hub1.api("GET", `/enabler/${id}`)).body;
      return view.lastRepair ? view : undefined;
    }, "the repair reported while connected");
    t.deepEqual(live.lastRepair.objects, ["Deployment default/web (recreated)"]);
    t.like(live, { status: "Enabled", clusterState: { revision: 1, repairs: 1 } });

    const grpcPort = hub1.plane.grpcPort;
    await hub1.close();
    await eventually(() => a.agent.link.state !== "connected", "the agent sees the plane gone");
    t.regex(await deleteByHand(), /deleted/);
    t.falsy(sim.get("Deployment", "default", "web"));
    await a.repair();
    t.truthy(sim.get("Deployment", "default", "web"), "back while the plane is down");

    // The agent restarts while the plane is still down: its desired state is on disk.
    await a.stop();
    a = await startRepairableAgent({ hub: hub1.hubAddress, sim, stateDir: a.stateDir });
    const secondDeleteAt = Date.now();
    t.regex(await deleteByHand(), /deleted/);
    await a.repair();
    const back = sim.get("Deployment", "default", "web")?.spec as { replicas?: number };
    t.is(back?.replicas, 2, "back after the restart, with no control plane at all");

    const restartedAt = Date.now();
    const hub2 = await startHub({ dataDir: hub1.dataDir, grpcPort, env });
    t.teardown(() => hub2.close());
    const seen = await eventually(async () => {
      const view = (await hub2.api("GET", `/enabler/${id}`)).body;
      return view.clusterState && Date.parse(view.clusterState.confirmedAt) >= restartedAt
        ? view
        : undefined;
    }, "the cluster's confirmation after the plane came back");
    t.like(seen, { status: "Enabled", appliedRevision: 1 });
    t.like(seen.clusterState, { revision: 1, repairs: 1 });
    t.deepEqual(seen.lastRepair.objects, ["Deployment default/web (recreated)"]);
    // The restarted agent's repair (its counters start again at its start).
    const repairedAt = Date.parse(seen.lastRepair.at);
    t.true(repairedAt >= secondDeleteAt && repairedAt <= restartedAt, seen.lastRepair.at);
    t.is(releaseObjects(sim, id, webKinds).length, 5);
  },
);

test.serial(
  "a revision applied while the cluster was away reaches it on reconnect; a cluster that lost its desired state gets the current revision again",
  async (t) => {
    const first = await webOnEdge(t);
    const { hub, sim, id } = first;
    let a = first.agent;
    t.teardown(() => a.stop());
    await a.stop();
    await eventually(() => hub.plane.sessions.size === 0, "agent gone");

    const up = await hub.api("POST", `/enabler/upgrade/${id}`, {
      manifests: webManifests({ replicas: 3, withConfig: false }),
    });
    t.is(up.status, 200, JSON.stringify(up.body));
    t.is(up.body.status, "Pending");
    a = await startRepairableAgent({ hub: hub.hubAddress, sim, stateDir: a.stateDir });
    const upgraded = await waitForStatus(hub, id, "Enabled");
    t.is(upgraded.appliedRevision, 2);
    const spec = sim.get("Deployment", "default", "web")?.spec as { replicas?: number } | undefined;
    t.is(spec?.replicas, 3);
    t.falsy(sim.get("ConfigMap", "default", "web-config"), "pruned by revision 2");

    // The agent comes back without its desired state (its disk was replaced, say).
    await a.stop();
    await eventually(() => hub.plane.sessions.size === 0, "agent gone");
    a = await startRepairableAgent({
      hub: hub.hubAddress,
      sim,
      stateDir: credentialOnly(a.stateDir),
    });
    const again = await eventually(
      async () => {
        const view = (await hub.api("GET", `/enabler/${id}`)).body;
        return view.status === "Enabled" &&
          view.moves.some((m: { reason: string }) => /holds no desired state/.test(m.reason))
          ? view
          : undefined;
      },
      "revision 2 applied again",
      deployDeadlineMs,
    );
    t.like(again.moves.at(-2), {
      status: "Upgrading",
      reason: "the cluster holds no desired state for it; applying revision 2",
    });
    t.deepEqual(
      a.agent.releases.held().map((r) => [r.enablerId, r.revision]),
      [[id, 2]],
      "the agent holds (and repairs to) revision 2 again",
    );
  },
);

test.serial(
  "a release the control plane no longer knows (its store restored from before the deploy) is deleted when the cluster reconnects",
  async (t) => {
    const hub1 = await startHub({ env });
    const { token } = await hub1.createCluster("edge");
    const sim = await startSimulator({ cluster: "name=edge,nodes=1" });
    t.teardown(() => sim.close());
    const a = await startRepairableAgent({ hub: hub1.hubAddress, token, sim });
    t.teardown(() => a.stop());
    await eventually(() => hub1.plane.sessions.size === 1, "agent joined");
    const grpcPort = hub1.plane.grpcPort;
    await hub1.close();
    // The backup: taken after the join, before the deploy.
    const backup = mkdtempSync(join(tmpdir(), "so-backup-"));
    cpSync(hub1.dataDir, backup, { recursive: true });

    const hub2 = await startHub({ dataDir: hub1.dataDir, grpcPort, env });
    const res = await hub2.api("POST", "/enabler", {
      name: "web",
      cluster: "edge",
      manifests: webManifests(),
    });
    const id = res.body.uid;
    await waitForStatus(hub2, id, "Enabled");
    await hub2.close();
    t.is(releaseObjects(sim, id, webKinds).length, 5);

    const restored = await startHub({ dataDir: backup, grpcPort, env });
    t.teardown(() => restored.close());
    await eventually(
      () => releaseObjects(sim, id, webKinds).length === 0,
      "the unknown release deleted",
      deployDeadlineMs,
    );
    t.deepEqual(a.agent.releases.held(), []);
    const grave = await eventually(async () => {
      const view = (await restored.api("GET", `/enabler/${id}`)).body;
      return view.status === "Deleted" && !view.deleteQueued ? view : undefined;
    }, "the tombstone with its delete answered");
    t.like(grave, { name: "web", namespace: "default" });
  },
);

test.serial(
  "delete hooks travel inside Delete: they run even on an agent that lost its desired state",
  async (t) => {
    const hook = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "web-backup",
        annotations: { "helm.sh/hook": "pre-delete", "helm.sh/hook-weight": "-1" },
      },
      spec: {
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "b", image: "busybox" }] },
        },
      },
    };
    const first = await webOnEdge(t, { manifests: [...webManifests(), hook] });
    const { hub, sim, id } = first;
    let a = first.agent;
    t.teardown(() => a.stop());
    t.falsy(sim.get("Job", "default", "web-backup"), "a delete hook does not run at install");

    await a.stop();
    await eventually(() => hub.plane.sessions.size === 0, "agent gone");
    const queued = await hub.api("DELETE", `/enabler/${id}`, undefined, { Timeout: "0s" });
    t.is(queued.status, 202);
    a = await startRepairableAgent({
      hub: hub.hubAddress,
      sim,
      stateDir: credentialOnly(a.stateDir),
    });
    await eventually(
      async () => (await hub.api("GET", `/enabler/${id}`)).body.status === "Deleted",
      "the delete done",
      deployDeadlineMs,
    );
    const job = sim.get("Job", "default", "web-backup");
    t.truthy(job, "the pre-delete hook ran, from the hooks the Delete carried");
    t.is(job?.metadata.labels?.["smart-orchestrator.io/hook"], "pre-delete");
    t.deepEqual(releaseObjects(sim, id, webKinds), []);
  },
);
