import test from "ava";
import { startSimulatedAgent } from "../support/agent-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";

test("a real agent on a simulated 3-node arm64 cluster reports every node over TLS", async (t) => {
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("pi-farm");
  const a = await startSimulatedAgent({
    hub: `localhost:${hub.plane.grpcPort}`,
    token,
    caHash: hub.plane.caHash,
    simulator: { cluster: "name=pi-farm,nodes=3,arch=arm64,cpu=4,memory=8Gi,distribution=k3s" },
  });
  t.teardown(() => a.stop());

  const nodes = await eventually(async () => {
    const body = (await hub.api("GET", `/clusters/node/${uid}`)).body;
    return body.length === 3 ? body : undefined;
  }, "three nodes");
  const objects = a.sim.list("Node");
  for (const view of nodes) {
    const obj = objects.find((o) => o.metadata.name === view.name);
    t.truthy(obj, view.name);
    const status = obj?.status as {
      allocatable: Record<string, string>;
      nodeInfo: { kubeletVersion: string };
    };
    t.is(view.arch, "arm64");
    t.is(view.kubeletVersion, status.nodeInfo.kubeletVersion);
    t.is(view.allocatable.cpuMillis, Number.parseInt(status.allocatable.cpu ?? "0", 10) * 1000);
    t.deepEqual(view.labels, obj?.metadata.labels);
    t.true(view.ready);
  }
  const cluster = (await hub.api("GET", `/clusters/${uid}`)).body;
  t.like(cluster, { status: "Enabled", distribution: "k3s", cni: "flannel" });
  t.regex(cluster.kubernetesVersion, /\+k3s/);
});

test("usage: CPU and memory from metrics.k8s.io, traffic rates from two kubelet summaries", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("usage");
  const a = await startSimulatedAgent({
    hub: hub.hubAddress,
    token,
    simulator: { cluster: "name=usage,nodes=2" },
  });
  t.teardown(() => a.stop());
  const node = await eventually(async () => {
    const [n] = (await hub.api("GET", `/clusters/node/${uid}`)).body;
    return n?.usage?.networkRxBytesPerSecond !== undefined ? n : undefined;
  }, "usage with rates");
  t.true(node.usage.cpuMillis > 0);
  t.true(node.usage.memoryBytes > 0);
  t.true(node.usage.networkRxBytesPerSecond >= 0);
  t.true(node.usage.filesystemCapacityBytes > node.usage.filesystemUsedBytes);
  t.deepEqual(node.usage.unavailable, {});
  t.is(
    node.net.rxBytesPerSecond,
    node.usage.networkRxBytesPerSecond,
    "the original API's net figures",
  );

  // Host mode: the cluster view carries the machine's own figures from systeminformation.
  const host = (await hub.api("GET", `/clusters/${uid}`)).body.host;
  t.is(host.scope, "host");
  t.true(host.memoryTotalBytes > 0);
  t.true(host.processRssBytes > 0);
  t.true(Array.isArray(host.interfaces));
});

test("a forbidden or missing metrics source is reported per field, not as zero", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("locked");
  const a = await startSimulatedAgent({
    hub: hub.hubAddress,
    token,
    simulator: { cluster: "name=locked,nodes=1", forbid: ["nodes/stats"], metricsServer: false },
  });
  t.teardown(() => a.stop());
  const node = await eventually(async () => {
    const [n] = (await hub.api("GET", `/clusters/node/${uid}`)).body;
    return n?.usage?.unavailable?.cpu_millis ? n : undefined;
  }, "usage with reasons");
  t.is(node.usage.cpuMillis, undefined);
  t.regex(node.usage.unavailable.cpu_millis, /metrics\.k8s\.io not served/);
  t.is(node.usage.networkRxBytesPerSecond, undefined);
  t.regex(
    node.usage.unavailable.network_rx_bytes_per_second,
    /forbidden: RBAC must allow nodes\/stats/,
  );
});

test("a new pod changes the node's requested figures and is pushed without waiting for the interval", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("busy");
  const a = await startSimulatedAgent({
    hub: hub.hubAddress,
    token,
    simulator: { cluster: "name=busy,nodes=1" },
  });
  t.teardown(() => a.stop());
  const before = await eventually(
    async () => (await hub.api("GET", `/clusters/node/${uid}`)).body[0],
    "first report",
  );
  const { CoreV1Api } = await import("@kubernetes/client-node");
  const { simulatorKubeConfig } = await import("@smart-orchestrator/kube-simulator");
  const core = simulatorKubeConfig(a.sim.url).makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "web" },
      spec: {
        nodeName: before.name,
        containers: [
          {
            name: "web",
            image: "nginx",
            resources: { requests: { cpu: "500m", memory: "256Mi" } },
          },
        ],
      },
    },
  });
  const after = await eventually(async () => {
    const n = (await hub.api("GET", `/clusters/node/${uid}`)).body[0];
    return n.requested.cpuMillis === before.requested.cpuMillis + 500 ? n : undefined;
  }, "requests include the new pod");
  t.is(after.requested.memoryBytes, before.requested.memoryBytes + 256 * 2 ** 20);
  t.is(after.requested.pods, before.requested.pods + 1);
});
