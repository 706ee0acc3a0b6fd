import { startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { startSimulatedAgent } from "../support/agent-harness.js";
import {
  deployDeadlineMs,
  releaseObjects,
  startPlaneWithAgent,
  waitForStatus,
  webKinds,
  webManifests,
  webObjectNames,
} from "../support/enabler-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";

// End to end: REST → store (outbox) → hub → real agent → simulated cluster, and back.
// Serial: each test runs a control plane, an agent and a simulator, and two cores are shared.

test.serial(
  "deploy, upgrade with an object pruned, delete: each checked in the simulated cluster",
  async (t) => {
    const { hub, agent: a } = await startPlaneWithAgent(t, {
      cluster: "edge-1",
      simulator: "nodes=2",
    });

    const created = await hub.api("POST", "/enabler", {
      name: "web",
      cluster: "edge-1",
      manifests: webManifests(),
    });
    t.is(created.status, 201, JSON.stringify(created.body));
    const id = created.body.uid;
    const enabled = await waitForStatus(hub, id, "Enabled");
    t.deepEqual(releaseObjects(a.sim, id, webKinds).sort(), [...webObjectNames]);
    const deployment = a.sim.get("Deployment", "default", "web");
    t.is(deployment?.metadata.labels?.["app.kubernetes.io/instance"], "web");
    t.is(deployment?.metadata.labels?.["app.kubernetes.io/managed-by"], "smart-orchestrator");
    t.is(enabled.objects.length, 5);
    t.true(enabled.objects.every((o: { ready: boolean }) => o.ready));
    // Pending first only if the loaded machine dropped the session just then; a redial delivers it.
    t.deepEqual(enabled.moves.map((m: { status: string }) => m.status).slice(-2), [
      "Deploying",
      "Enabled",
    ]);

    // Upgrade: the ConfigMap goes (pruned), the Deployment scales to 2.
    const up = await hub.api("POST", `/enabler/upgrade/${id}`, {
      manifests: webManifests({ withConfig: false, replicas: 2 }),
    });
    t.is(up.status, 200, JSON.stringify(up.body));
    const upgraded = await waitForStatus(hub, id, "Enabled");
    t.is(upgraded.appliedRevision, 2);
    t.is(a.sim.get("ConfigMap", "default", "web-config"), undefined, "pruned in the cluster");
    const spec = a.sim.get("Deployment", "default", "web")?.spec as
      | { replicas?: number }
      | undefined;
    t.is(spec?.replicas, 2);
    t.truthy(
      upgraded.objects.find(
        (o: { kind: string; action: string }) => o.kind === "ConfigMap" && o.action === "pruned",
      ),
    );
    t.deepEqual(
      upgraded.revisions.map((r: { revision: number }) => r.revision),
      [1, 2],
    );

    // Delete: 200 once the agent has removed every object.
    const del = await hub.api("DELETE", `/enabler/${id}`, undefined, { Timeout: "110s" });
    t.is(del.status, 200, JSON.stringify(del.body));
    t.deepEqual(del.body, { code: 200, message: "enabler web deleted" });
    t.deepEqual(releaseObjects(a.sim, id, webKinds), []);
    // The tombstone answers for 7 days (for DELETE /enabler/volumes/:id).
    t.like((await hub.api("GET", `/enabler/${id}`)).body, {
      status: "Deleted",
      deleteQueued: false,
    });
  },
);

test.serial("not ready within the timeout: Error naming the object and why", async (t) => {
  const { hub } = await startPlaneWithAgent(t, { cluster: "small", simulator: "nodes=1,cpu=2" });
  const res = await hub.api("POST", "/enabler", {
    name: "hungry",
    cluster: "small",
    timeout: "2s",
    manifests: webManifests({ cpu: "64" }),
  });
  t.is(res.status, 201);
  const failed = await waitForStatus(hub, res.body.uid, "Error");
  t.regex(failed.statusReason, /Deployment/);
  t.regex(failed.statusReason, /web/);
  const notReady = failed.objects.find((o: { kind: string }) => o.kind === "Deployment");
  t.false(notReady.ready);
  t.truthy(notReady.message);
});

test.serial(
  "a disconnected cluster: Pending with the reason, then deployed when its agent connects",
  async (t) => {
    const hub = await startHub({ env: { SO_INSECURE: "true" } });
    t.teardown(() => hub.close());
    const { token } = await hub.createCluster("later");
    const res = await hub.api("POST", "/enabler", {
      name: "web",
      cluster: "later",
      manifests: webManifests(),
    });
    t.is(res.status, 201);
    const pending = (await hub.api("GET", `/enabler/${res.body.uid}`)).body;
    t.is(pending.status, "Pending");
    t.regex(pending.statusReason, /waiting for cluster later to connect/);

    const a = await startSimulatedAgent({
      hub: hub.hubAddress,
      token,
      simulator: { cluster: "name=later,nodes=1" },
    });
    t.teardown(() => a.stop());
    const enabled = await waitForStatus(hub, res.body.uid, "Enabled");
    t.deepEqual(
      enabled.moves.map((m: { status: string }) => m.status),
      ["Pending", "Deploying", "Enabled"],
    );
    t.is(releaseObjects(a.sim, res.body.uid, webKinds).length, 5);
  },
);

test.serial("the agent stopped mid-apply: the command completes after it reconnects", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { token } = await hub.createCluster("flaky");
  const sim = await startSimulator({ cluster: "name=flaky,nodes=1,cpu=2" });
  t.teardown(() => sim.close());
  const first = await startSimulatedAgent({ hub: hub.hubAddress, token, sim });
  const res = await hub.api("POST", "/enabler", {
    name: "web",
    cluster: "flaky",
    manifests: webManifests({ cpu: "4" }),
  });
  const id = res.body.uid;
  // The Deployment cannot schedule yet: the agent is waiting on it.
  await eventually(
    async () => (await hub.api("GET", `/enabler/${id}`)).body.progress?.waitingFor?.length > 0,
    "progress naming the unready Deployment",
    deployDeadlineMs,
  );
  await first.stop();
  sim.addNode({ cpu: "8" });
  const second = await startSimulatedAgent({ hub: hub.hubAddress, sim, stateDir: first.stateDir });
  t.teardown(() => second.stop());
  const enabled = await waitForStatus(hub, id, "Enabled");
  t.is(enabled.appliedRevision, 1);
  t.is(releaseObjects(sim, id, ["Deployment"]).length, 1);
});

test.serial("the control plane stopped mid-deploy: nothing lost, nothing duplicated", async (t) => {
  const hub1 = await startHub({ env: { SO_INSECURE: "true" } });
  const { token } = await hub1.createCluster("steady");
  const sim = await startSimulator({ cluster: "name=steady,nodes=1,cpu=2" });
  t.teardown(() => sim.close());
  const a = await startSimulatedAgent({ hub: hub1.hubAddress, token, sim });
  t.teardown(() => a.stop());
  const res = await hub1.api("POST", "/enabler", {
    name: "web",
    cluster: "steady",
    manifests: webManifests({ cpu: "4" }),
  });
  const id = res.body.uid;
  await eventually(
    async () => (await hub1.api("GET", `/enabler/${id}`)).body.progress?.waitingFor?.length > 0,
    "the agent waiting on the Deployment",
    deployDeadlineMs,
  );
  const grpcPort = hub1.plane.grpcPort;
  await hub1.close();
  sim.addNode({ cpu: "8" });

  const hub2 = await startHub({ dataDir: hub1.dataDir, grpcPort, env: { SO_INSECURE: "true" } });
  t.teardown(() => hub2.close());
  const enabled = await waitForStatus(hub2, id, "Enabled");
  t.is(enabled.currentRevision, 1);
  t.deepEqual(releaseObjects(sim, id, webKinds).sort(), [...webObjectNames]);
  t.is(sim.get("Deployment", "default", "web")?.metadata.generation, 1, "applied once, not twice");
  t.is(sim.list("Pod", "default").filter((p) => p.metadata.labels?.app === "web").length, 1);
  t.is((await hub2.api("GET", "/enabler")).body.length, 1);
});

test.serial(
  "a forced delete while the cluster is away is carried out when it comes back",
  async (t) => {
    const hub = await startHub({ env: { SO_INSECURE: "true" } });
    t.teardown(() => hub.close());
    const { token } = await hub.createCluster("away");
    const sim = await startSimulator({ cluster: "name=away,nodes=1" });
    t.teardown(() => sim.close());
    const first = await startSimulatedAgent({ hub: hub.hubAddress, token, sim });
    const res = await hub.api("POST", "/enabler", {
      name: "web",
      cluster: "away",
      manifests: webManifests(),
    });
    const id = res.body.uid;
    await waitForStatus(hub, id, "Enabled");
    await first.stop();
    await eventually(() => hub.plane.sessions.size === 0, "agent gone");

    const waited = await hub.api("DELETE", `/enabler/${id}`, undefined, { Timeout: "0s" });
    t.is(waited.status, 202);
    t.is(waited.body.code, 202);
    const forced = await hub.api("DELETE", `/enabler/${id}`, undefined, { Force: "true" });
    t.is(forced.status, 200, JSON.stringify(forced.body));
    t.like((await hub.api("GET", `/enabler/${id}`)).body, {
      status: "Deleted",
      deleteQueued: true,
    });
    t.is(releaseObjects(sim, id, webKinds).length, 5, "still running while the cluster is away");

    const second = await startSimulatedAgent({
      hub: hub.hubAddress,
      sim,
      stateDir: first.stateDir,
    });
    t.teardown(() => second.stop());
    await eventually(
      () => releaseObjects(sim, id, webKinds).length === 0,
      "objects deleted",
      deployDeadlineMs,
    );
    await eventually(
      async () => (await hub.api("GET", `/enabler/${id}`)).body.deleteQueued === false,
      "the queued delete answered",
    );
  },
);
