// A credential cluster's agent keeps its desired state across a control-plane
// restart: Secrets in the target cluster, so nothing is applied twice.
import { fileURLToPath } from "node:url";
import { AppsV1Api } from "@kubernetes/client-node";
import {
  type KubeObject,
  type SimulatorHandle,
  simulatorKubeConfig,
  simulatorKubeConfigObject,
  startSimulator,
} from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { waitForStatus, webKinds, webManifests } from "../support/enabler-harness.js";
import { eventually, type HubHarness, startHub } from "../support/hub-harness.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** A Helm hook Job; the simulator runs its pod to completion. */
function hookJob(name: string, phase: string) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, annotations: { "helm.sh/hook": phase } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "hook", image: "busybox" }] },
      },
    },
  };
}

const hookNames = ["migrate", "notify"];

/** Creates an enabler from raw manifests on the cluster; returns its id. */
async function deploy(
  hub: HubHarness,
  cluster: string,
  name: string,
  manifests: unknown[],
): Promise<string> {
  const res = await hub.api("POST", "/enabler", { name, cluster, manifests });
  if (res.status !== 201)
    throw new Error(`deploy ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.uid as string;
}

// The agent from source (no bundle in a test checkout), repairing every 5 s (the minimum).
const env = {
  SO_ALLOW_HTTP_CLUSTERS: "true",
  SO_LOG_LEVEL: process.env.SO_TEST_LOG ?? "silent",
  SO_AGENT_COMMAND: [
    process.execPath,
    "--import",
    import.meta.resolve("tsx"),
    `${root}edge-agent/src/main.ts`,
    "--repair-interval",
    "5",
  ].join(" "),
};

/** Registers the simulated cluster with its kubeconfig and waits for its managed agent. */
async function registerCluster(hub: HubHarness, sim: SimulatorHandle): Promise<string> {
  const registered = await hub.api("POST", "/clusters", {
    name: sim.spec.name,
    credentials: simulatorKubeConfigObject(sim.url, sim.spec.name),
  });
  if (registered.status !== 201)
    throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  const clusterId = registered.body.uid as string;
  await eventually(() => hub.plane.sessions.has(clusterId), "managed agent connected", 90_000);
  return clusterId;
}
const stateSelector = (o: KubeObject) =>
  o.metadata.labels?.["smart-orchestrator.io/part"] === "desired-state";

test("after a control-plane restart a credential cluster's release is neither re-applied nor its hooks re-run; drift repair and Delete still work", async (t) => {
  t.timeout(240_000);
  const sim = await startSimulator({ cluster: "name=plant,nodes=1" });
  t.teardown(() => sim.close());
  // Every creation of a hook Job or of its pod, by uid, as the cluster stored it.
  const created = new Map<string, string>();
  const unsubscribe = sim.onChange(() => {
    for (const job of sim.list("Job"))
      if (hookNames.includes(job.metadata.name ?? ""))
        created.set(job.metadata.uid as string, `Job/${job.metadata.name}`);
    for (const pod of sim.list("Pod")) {
      const job = pod.metadata.labels?.["job-name"] ?? "";
      if (hookNames.includes(job)) created.set(pod.metadata.uid as string, `Pod of ${job}`);
    }
  });
  t.teardown(unsubscribe);

  let hub: HubHarness = await startHub({ env });
  t.teardown(() => hub.close());
  const clusterId = await registerCluster(hub, sim);

  const enablerId = await deploy(hub, clusterId, "web", [
    ...webManifests(),
    hookJob("migrate", "pre-install"),
    hookJob("notify", "post-install"),
  ]);
  await waitForStatus(hub, enablerId, "Enabled");
  const ranBefore = [...created.values()].sort();
  t.deepEqual(ranBefore, ["Job/migrate", "Job/notify", "Pod of migrate", "Pod of notify"]);
  const objects = () =>
    webKinds.map((kind) => {
      const o = sim.get(kind, "default", nameOf(kind));
      return `${kind} ${o?.metadata.uid} rv=${o?.metadata.resourceVersion} gen=${o?.metadata.generation}`;
    });
  const before = objects();

  // Restart: the managed agent host ends with its control plane and a new one starts over the same data.
  const restartedAt = new Date();
  await hub.close();
  hub = await startHub({ env, dataDir: hub.dataDir });
  // The event: the restarted agent's first ReleaseStatus confirmed revision 1, with nothing in flight.
  const after = await eventually(
    async () => {
      const view = (await hub.api("GET", `/enabler/${enablerId}`)).body;
      const confirmed = Date.parse(view?.clusterState?.confirmedAt ?? "") >= restartedAt.getTime();
      return confirmed && view.clusterState.revision === 1 && view.status === "Enabled"
        ? view
        : undefined;
    },
    "revision 1 confirmed by the restarted agent",
    120_000,
  );
  const since = (after.moves as { status: string; reason: string; at: string }[]).filter(
    (m) => Date.parse(m.at) >= restartedAt.getTime(),
  );
  t.deepEqual(since, [], "no status move after the restart: no revision was queued again");
  t.deepEqual([...created.values()].sort(), ranBefore, "every hook ran exactly once");
  t.deepEqual(objects(), before, "no release object re-created or changed");
  t.true(
    sim.list("Secret", "smart-orchestrator").some(stateSelector),
    "the desired state was kept in the cluster, beside the objects",
  );

  // Drift repair still works from the kept state: a deleted Deployment comes back.
  const gone = sim.get("Deployment", "default", "web")?.metadata.uid;
  await simulatorKubeConfig(sim.url, "plant")
    .makeApiClient(AppsV1Api)
    .deleteNamespacedDeployment({ name: "web", namespace: "default" });
  await eventually(
    () => {
      const uid = sim.get("Deployment", "default", "web")?.metadata.uid;
      return uid !== undefined && uid !== gone;
    },
    "the deleted Deployment repaired",
    60_000,
  );

  // A Delete removes the objects and the kept state, so nothing can bring them back.
  const removed = await hub.api("DELETE", `/enabler/${enablerId}`, undefined, { Timeout: "60s" });
  t.is(removed.status, 200, JSON.stringify(removed.body));
  t.deepEqual(sim.list("Secret", "smart-orchestrator").filter(stateSelector), []);
  t.is(sim.get("Deployment", "default", "web"), undefined);
});

/** The names {@link webManifests} gives its objects. */
function nameOf(kind: string): string {
  return kind === "ConfigMap" ? "web-config" : kind === "Secret" ? "web-secret" : "web";
}

test("a credential cluster whose user may not keep Secrets fails its deploy with the grant it needs", async (t) => {
  t.timeout(240_000);
  const sim = await startSimulator({ cluster: "name=locked,nodes=1" });
  t.teardown(() => sim.close());
  sim.setForbidden(["secrets"]);
  const hub = await startHub({ env });
  t.teardown(() => hub.close());
  const clusterId = await registerCluster(hub, sim);
  const enablerId = await deploy(hub, clusterId, "config", [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "config" }, data: { a: "b" } },
  ]);
  const failed = await waitForStatus(hub, enablerId, "Error");
  t.regex(
    failed.statusReason,
    /desired state could not be saved in secrets smart-orchestrator\/so-desired-\* of cluster [0-9a-f-]{36}: forbidden to create Secrets in namespace smart-orchestrator: .*needs get, list, create, update and delete on secrets/,
  );
});

test("deleting a credential cluster (Force) leaves its workloads running and removes the desired state kept in SO_MANAGED_NAMESPACE", async (t) => {
  t.timeout(240_000);
  const sim = await startSimulator({ cluster: "name=retired,nodes=1" });
  t.teardown(() => sim.close());
  const hub = await startHub({ env: { ...env, SO_MANAGED_NAMESPACE: "so-state" } });
  t.teardown(() => hub.close());
  const clusterId = await registerCluster(hub, sim);
  await waitForStatus(hub, await deploy(hub, clusterId, "web", webManifests()), "Enabled");
  t.true(sim.list("Secret", "so-state").some(stateSelector), "kept in the configured namespace");
  t.deepEqual(sim.list("Secret", "smart-orchestrator").filter(stateSelector), []);

  const removed = await hub.api("DELETE", `/clusters/${clusterId}`, undefined, { Force: "true" });
  t.is(removed.status, 204, JSON.stringify(removed.body));
  await eventually(
    () => sim.list("Secret", "so-state").filter(stateSelector).length === 0,
    "the deleted cluster's desired-state Secrets removed",
  );
  t.truthy(sim.get("Deployment", "default", "web"), "the workload is left running (orphaned)");
});
