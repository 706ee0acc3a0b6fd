import { realTool } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { startPodinfoRepo } from "../../control-plane/src/testing/helm-repo-server.js";
import { addAlertmanager } from "../support/chart-repo.js";
import { addChartRepo, startPlaneWithAgent, waitForStatus } from "../support/enabler-harness.js";
import { eventually } from "../support/hub-harness.js";

// Real Helm renders podinfo (from the local repository fixture) and a packaged
// alertmanager chart (with values.schema.json); a real agent applies the result.
const helm = realTool("helm");
const helmTest = helm.ok
  ? test.serial
  : (title: string, _fn: unknown) => test.skip(`${title} (SKIPPED: ${helm.reason})`, () => {});

helmTest("podinfo from a local repository: deploy, upgrade with values, delete", async (t) => {
  const repo = await startPodinfoRepo();
  t.teardown(() => repo.close());
  const { hub, agent: a } = await startPlaneWithAgent(t, {
    cluster: "edge-1",
    simulator: "nodes=2",
  });
  await addChartRepo(hub, "podinfo", repo.url);

  const res = await hub.api("POST", "/enabler", {
    name: "podinfo",
    helmChart: "podinfo/podinfo",
    version: "~6.14.0",
    cluster: "edge-1",
    namespace: "demo",
    values: { replicaCount: 1 },
  });
  t.is(res.status, 201, JSON.stringify(res.body));
  const id = res.body.uid;
  const enabled = await waitForStatus(hub, id, "Enabled");
  t.like(enabled, { helmChart: "podinfo/podinfo", version: "6.14.1", namespace: "demo" });
  // podinfo renders three test hooks (helm.sh/hook: test-success): dropped, and counted.
  t.like(enabled.revisions[0], { chart: "podinfo/podinfo", version: "6.14.1", testHooks: 3 });
  const deployment = a.sim.get("Deployment", "demo", "podinfo");
  t.truthy(deployment, "podinfo's Deployment is in the cluster");
  t.truthy(a.sim.get("Service", "demo", "podinfo"));
  t.truthy(a.sim.get("Namespace", undefined, "demo"), "the namespace was created");
  t.is(
    a.sim.list("Pod", "demo").filter((p) => p.metadata.name?.startsWith("podinfo-")).length >= 1,
    true,
  );
  t.false(
    enabled.objects.some((o: { name: string }) => /-test|fault-test/.test(o.name)),
    "test hooks are not applied",
  );

  const up = await hub.api("POST", `/enabler/upgrade/${id}`, { values: { replicaCount: 2 } });
  t.is(up.status, 200, JSON.stringify(up.body));
  const upgraded = await waitForStatus(hub, id, "Enabled");
  t.is(upgraded.appliedRevision, 2);
  t.is((a.sim.get("Deployment", "demo", "podinfo")?.spec as { replicas?: number })?.replicas, 2);
  t.not(upgraded.revisions[0].valuesDigest, upgraded.revisions[1].valuesDigest);

  const del = await hub.api("DELETE", `/enabler/${id}`, undefined, { Timeout: "110s" });
  t.is(del.status, 200, JSON.stringify(del.body));
  t.is(a.sim.get("Deployment", "demo", "podinfo"), undefined);
  t.truthy(a.sim.get("Namespace", undefined, "demo"), "the namespace is left in place");
});

helmTest("chart inputs are checked before anything is stored", async (t) => {
  const repo = await startPodinfoRepo();
  t.teardown(() => repo.close());
  if (helm.ok) addAlertmanager(repo, helm.path);
  const { hub } = await startPlaneWithAgent(t, {
    cluster: "old-k8s",
    simulator: "nodes=1,version=v1.22.17",
  });
  await addChartRepo(hub, "charts", repo.url);
  // The cluster's Kubernetes version is known once its agent has said Hello.
  await eventually(
    async () => (await hub.api("GET", "/clusters")).body[0]?.kubernetesVersion,
    "Hello",
    30_000,
  );
  await hub.createCluster("fresh");

  const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
    [{ helmChart: "charts/nope" }, 404, "helmChart", /chart nope not found/],
    [{ helmChart: "nope/podinfo" }, 404, "helmChart", /repository nope not found/],
    [{ helmChart: "charts/podinfo", version: "9.9.9" }, 404, "version", /has no version "9.9.9"/],
    [
      { helmChart: "charts/podinfo", cluster: "old-k8s" },
      400,
      "helmChart",
      /requires Kubernetes >=1.23.0-0; cluster old-k8s runs v1.22/,
    ],
    [
      { helmChart: "charts/alertmanager", values: { replicaCount: "many" } },
      400,
      "values.replicaCount",
      /integer/,
    ],
  ];
  for (const [extra, status, field, reason] of cases) {
    const res = await hub.api("POST", "/enabler", { name: "x", cluster: "fresh", ...extra });
    t.is(res.status, status, `${field}: ${JSON.stringify(res.body)}`);
    t.is(res.body.errors?.[0]?.field, field, JSON.stringify(res.body));
    t.regex(res.body.message, reason, field);
  }
  t.deepEqual((await hub.api("GET", "/enabler")).body, []);
});
