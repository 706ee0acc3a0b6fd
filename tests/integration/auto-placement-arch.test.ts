import test from "ava";
import { startSimulatedAgent } from "../support/agent-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";

const amd64Only = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] },
      ],
    },
  },
};

function deployment(name: string, affinity?: unknown) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(affinity ? { affinity } : {}),
          containers: [
            {
              name: "app",
              image: "nginx",
              resources: { requests: { cpu: "500m", memory: "128Mi" } },
            },
          ],
        },
      },
    },
  };
}

test("end to end through real agents and the simulator: amd64-only work avoids the roomier arm64 Pi cluster and runs on amd64 nodes", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const pi = await hub.createCluster("pi");
  const x86 = await hub.createCluster("x86");
  const piAgent = await startSimulatedAgent({
    hub: hub.hubAddress,
    token: pi.token,
    simulator: {
      cluster: "name=pi,nodes=4,arch=arm64,cpu=4,memory=8Gi,distribution=k3s",
      readyDelayMs: 0,
    },
  });
  t.teardown(() => piAgent.stop());
  const x86Agent = await startSimulatedAgent({
    hub: hub.hubAddress,
    token: x86.token,
    simulator: { cluster: "name=x86,nodes=1,arch=amd64,cpu=4,memory=8Gi", readyDelayMs: 0 },
  });
  t.teardown(() => x86Agent.stop());
  for (const id of [pi.uid, x86.uid]) {
    await eventually(
      async () => (await hub.api("GET", `/clusters/${id}`)).body.latest,
      `report of ${id}`,
    );
  }

  // worst-fit prefers the Pi cluster (16 cores against 4) unless the arch rules it out.
  const created = await hub.api("POST", "/enabler", {
    name: "web",
    manifests: [deployment("web", amd64Only)],
    auto: true,
    placementPolicy: "worst-fit",
  });
  t.is(created.status, 201, JSON.stringify(created.body));
  const detail = (await hub.api("GET", `/enabler/${created.body.uid}`)).body;
  t.is(detail.cluster, x86.uid);
  t.regex(
    detail.placement.candidates.find((c: { name: string }) => c.name === "pi").rejection.reason,
    /required node affinity not matched \(node is arm64\)/,
  );
  const enabled = await eventually(
    async () => {
      const d = (await hub.api("GET", `/enabler/${created.body.uid}`)).body;
      return d.status === "Enabled" ? d : undefined;
    },
    "the enabler Enabled",
    30_000,
  );
  t.is(enabled.cluster, x86.uid);
  const pods = x86Agent.sim.list("Pod").filter((p) => (p.metadata.name ?? "").startsWith("web-"));
  t.is(pods.length, 2);
  for (const p of pods) t.regex(String((p.spec as { nodeName?: string }).nodeName), /^x86/);
  t.is(piAgent.sim.list("Pod").filter((p) => (p.metadata.name ?? "").startsWith("web-")).length, 0);

  // Once a report shows the two pods, the hold on their room goes: the preview counts them once.
  const counted = await eventually(
    async () => {
      const [n] = (await hub.api("GET", `/clusters/node/${x86.uid}`)).body;
      if (!n || n.requested.pods < 2 || n.requested.cpuMillis < 1000) return undefined;
      const want = Math.min(
        Math.floor((n.allocatable.cpuMillis - n.requested.cpuMillis) / 500),
        Math.floor((n.allocatable.memoryBytes - n.requested.memoryBytes) / (128 * 2 ** 20)),
        n.allocatable.pods - n.requested.pods,
      );
      const again = await hub.api("POST", "/enabler/placement/preview", {
        name: "again",
        manifests: [deployment("again", amd64Only)],
      });
      const got = again.body.candidates.find(
        (c: { name: string }) => c.name === "x86",
      )?.maxReplicas;
      return got === want ? { got, want } : undefined;
    },
    "the hold released after a report shows the pods",
    30_000,
  );
  t.truthy(counted);

  // Without the rule, the same policy picks the Pi cluster.
  const free = await hub.api("POST", "/enabler/placement/preview", {
    name: "free",
    manifests: [deployment("free")],
    placementPolicy: "worst-fit",
  });
  t.is(free.body.chosen.name, "pi");
});
