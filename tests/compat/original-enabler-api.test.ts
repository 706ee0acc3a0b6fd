/**
 * The original API's enabler endpoints with the request bodies of its README:
 * `{name, helmChart, values, cluster, version, timeout, auto, placementPolicy}`
 * and `{values, version, timeout}`, and the `Force` header as its clients send
 * it. Deploying renders the chart with real Helm (HELM_BIN, or helm on PATH);
 * without it these tests skip and say why. The cluster never connects here,
 * so each deploy stays Pending: what is checked is that the bodies are taken.
 * (`DELETE /enabler/volumes/:id` is not implemented yet.)
 */
import { realTool } from "@smart-orchestrator/kube-simulator/real-tools";
import test from "ava";
import { startPodinfoRepo } from "../../control-plane/src/testing/helm-repo-server.js";
import { startTestPlane, type TestPlane } from "../../control-plane/src/testing/test-plane.js";

const helm = realTool("helm");
const withHelm = (title: string, body: (t: import("ava").ExecutionContext) => Promise<void>) => {
  if (helm.ok) test(title, body);
  else {
    console.log(`SKIPPED ${title}: ${helm.reason}`);
    test.skip(`${title} (SKIPPED: ${helm.reason})`, () => {});
  }
};

/** A plane with the podinfo repository and an edge cluster; the seed's deploy body. */
async function setup(t: import("ava").ExecutionContext) {
  const repo = await startPodinfoRepo();
  const p: TestPlane = await startTestPlane({ env: { HELM_BIN: helm.ok ? helm.path : "" } });
  t.teardown(async () => {
    await p.close();
    await repo.close();
  });
  const added = await p.api("POST", "/repos/public", {
    body: { name: "podinfo", description: "charts", url: repo.url },
  });
  if (added.status !== 201) throw new Error(`POST /repos/public: ${JSON.stringify(added.body)}`);
  const cluster = await p.api("POST", "/clusters", {
    body: { name: "edge", description: "edge", cloud: "false", cni: "flannel" },
  });
  const seedBody = {
    name: "web",
    helmChart: "podinfo/podinfo",
    values: { replicaCount: 1 },
    cluster: "edge",
    version: "6.14.1",
    timeout: "5m0s",
    auto: false,
    placementPolicy: "worst-fit",
  };
  return { p, clusterId: cluster.body.uid as string, seedBody };
}

async function deploy(p: TestPlane, body: object): Promise<string> {
  const res = await p.api("POST", "/enabler", { body });
  if (res.status !== 201) throw new Error(`POST /enabler: ${JSON.stringify(res.body)}`);
  return res.body.uid;
}

withHelm("POST /enabler: the seed body is taken and answered with {uid}", async (t) => {
  const { p, seedBody } = await setup(t);
  const res = await p.api("POST", "/enabler", { body: seedBody });
  t.is(res.status, 201, JSON.stringify(res.body));
  t.deepEqual(Object.keys(res.body), ["uid"]);
});

withHelm("GET /enabler: a plain array with the deployed enabler", async (t) => {
  const { p, seedBody, clusterId } = await setup(t);
  const uid = await deploy(p, seedBody);
  const res = await p.api("GET", "/enabler");
  t.is(res.status, 200);
  t.like(res.body, [{ uid, name: "web", cluster: clusterId, placementPolicy: "worst-fit" }]);
});

withHelm("GET /enabler/cluster/:clusterId: the cluster's enablers", async (t) => {
  const { p, seedBody, clusterId } = await setup(t);
  const uid = await deploy(p, seedBody);
  const res = await p.api("GET", `/enabler/cluster/${clusterId}`);
  t.is(res.status, 200);
  t.like(res.body, [{ uid }]);
});

withHelm("POST /enabler/upgrade/:enablerId: the seed body passes validation", async (t) => {
  const { p, seedBody } = await setup(t);
  const uid = await deploy(p, seedBody);
  const res = await p.api("POST", `/enabler/upgrade/${uid}`, {
    body: { values: { replicaCount: 2 }, version: "6.14.0", timeout: "2m0s" },
  });
  // Validated and resolved; refused only because the first deploy still waits for the cluster.
  t.is(res.status, 409, JSON.stringify(res.body));
  t.regex(res.body.message, /in flight/);
});

withHelm("DELETE /enabler/:id: Force as the original's clients send it", async (t) => {
  const { p, seedBody } = await setup(t);
  const uid = await deploy(p, seedBody);
  const res = await p.api("DELETE", `/enabler/${uid}`, { headers: { Force: "True" } });
  t.is(res.status, 200, JSON.stringify(res.body));
  t.is(res.body.code, 200);
  t.deepEqual((await p.api("GET", "/enabler")).body, []);
});
