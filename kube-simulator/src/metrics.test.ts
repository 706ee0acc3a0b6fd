import { CoreV1Api, Metrics } from "@kubernetes/client-node";
import { parseBytes, parseQuantity, toScaled } from "@smart-orchestrator/shared";
import test from "ava";
import { simulatorKubeConfig } from "./kubeconfig.js";
import { type SimulatorHandle, type SimulatorOptions, startSimulator } from "./simulator.js";
import { rejectedStatus, waitFor } from "./test-support.js";

const sims: SimulatorHandle[] = [];
test.after.always(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

const fakeNow = Date.parse("2025-01-01T00:00:00Z");
async function sim(cluster: string, extra: Partial<SimulatorOptions> = {}) {
  const s = await startSimulator({ cluster, readyDelayMs: 0, clock: () => fakeNow, ...extra });
  sims.push(s);
  const kc = simulatorKubeConfig(s.url);
  return { s, kc, core: kc.makeApiClient(CoreV1Api), metrics: new Metrics(kc) };
}

interface Summary {
  node: {
    nodeName: string;
    cpu: { usageNanoCores: number };
    memory: { workingSetBytes: number };
    network: { name: string; rxBytes: number; txBytes: number; interfaces: { name: string }[] };
    fs: { usedBytes: number; capacityBytes: number; availableBytes: number };
  };
  pods: { podRef: { name: string } }[];
}

async function summary(url: string): Promise<Summary> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Summary;
}

test("metrics.k8s.io node and pod metrics through client-node's Metrics, moving between scrapes", async (t) => {
  const { s, metrics } = await sim("name=met,nodes=2,cpu=4,memory=8Gi");
  const first = await metrics.getNodeMetrics();
  t.is(first.kind, "NodeMetricsList");
  t.deepEqual(first.items.map((n) => n.metadata.name).sort(), ["met-agent-1", "met-server"]);
  for (const n of first.items) {
    const cpuNano = toScaled(parseQuantity(n.usage.cpu), -9);
    t.true(cpuNano > 0n && cpuNano < 4_000_000_000n, `cpu ${n.usage.cpu} within capacity`);
    const mem = parseBytes(n.usage.memory);
    t.true(mem > 0n && mem < 8n * 2n ** 30n, `memory ${n.usage.memory} within capacity`);
  }
  // Within one 15 s scrape window the figures hold; a few minutes later they have moved.
  s.advanceTime(1000);
  const same = await metrics.getNodeMetrics();
  t.deepEqual(
    same.items.map((n) => n.usage),
    first.items.map((n) => n.usage),
  );
  s.advanceTime(5 * 60_000);
  const later = await metrics.getNodeMetrics();
  t.notDeepEqual(
    later.items.map((n) => n.usage),
    first.items.map((n) => n.usage),
  );
  t.not(later.items[0]?.timestamp, first.items[0]?.timestamp);

  const pods = await metrics.getPodMetrics("kube-system");
  t.true(pods.items.some((p) => p.metadata.name.startsWith("coredns")));
  t.true(pods.items.every((p) => p.containers.length > 0));
  const one = await fetch(`${s.url}/apis/metrics.k8s.io/v1beta1/nodes/met-server`);
  t.is(((await one.json()) as { kind: string }).kind, "NodeMetrics");
  t.is((await fetch(`${s.url}/apis/metrics.k8s.io/v1beta1/nodes/nope`)).status, 404);
});

test("node usage grows when pods with requests land on it", async (t) => {
  const { s, core, metrics } = await sim("name=grow,nodes=1,cpu=8,memory=16Gi");
  const before = await metrics.getNodeMetrics();
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "busy" },
      spec: {
        containers: [
          { name: "c", image: "x", resources: { requests: { cpu: "4", memory: "4Gi" } } },
        ],
      },
    },
  });
  await waitFor(
    "pod running",
    () => (s.get("Pod", "default", "busy")?.status as { phase?: string })?.phase === "Running",
  );
  const after = await metrics.getNodeMetrics();
  const cpu = (m: typeof before) => toScaled(parseQuantity(m.items[0]!.usage.cpu), -9);
  t.true(
    cpu(after) > cpu(before) + 1_000_000_000n,
    `${before.items[0]?.usage.cpu} -> ${after.items[0]?.usage.cpu}`,
  );
});

test("kubelet summary via nodes/proxy and via the kubelet endpoint: counters increase at a per-node rate", async (t) => {
  const { s } = await sim("name=sum,nodes=2,rxBytesPerSecond=100000");
  const proxied = await summary(`${s.url}/api/v1/nodes/sum-server/proxy/stats/summary`);
  const direct = await summary(`${s.kubeletUrl("sum-server")}/stats/summary`);
  t.is(proxied.node.nodeName, "sum-server");
  t.deepEqual(direct.node.network, proxied.node.network);
  t.is(proxied.node.network.name, "eth0");
  t.true(proxied.node.network.interfaces.some((i) => i.name === "eth0"));
  t.true(proxied.node.fs.capacityBytes > 0);
  t.is(proxied.node.fs.usedBytes + proxied.node.fs.availableBytes, proxied.node.fs.capacityBytes);
  t.true(proxied.node.cpu.usageNanoCores > 0);
  t.true(proxied.pods.some((p) => p.podRef.name.startsWith("coredns")));

  s.advanceTime(60_000);
  const later = await summary(`${s.url}/api/v1/nodes/sum-server/proxy/stats/summary`);
  const rxRate = (later.node.network.rxBytes - proxied.node.network.rxBytes) / 60;
  const txRate = (later.node.network.txBytes - proxied.node.network.txBytes) / 60;
  // The rate varies between 0.5x and 1.5x of the configured mean.
  t.true(rxRate >= 50_000 && rxRate <= 150_000, `rx rate ${rxRate}`);
  t.true(txRate > 0, `tx rate ${txRate}`);
  // Counters never go backwards, sample after sample.
  let last = later.node.network.rxBytes;
  for (let i = 0; i < 20; i++) {
    s.advanceTime(3_700);
    const next = (await summary(`${s.kubeletUrl("sum-server")}/stats/summary`)).node.network
      .rxBytes;
    t.true(next > last);
    last = next;
  }
  t.is((await fetch(`${s.url}/api/v1/nodes/nope/proxy/stats/summary`)).status, 404);
});

test("forbidden resources answer 403 Status; metrics-server can be absent", async (t) => {
  const { s, core, metrics } = await sim("name=rbac,nodes=1", {
    forbid: ["metrics.k8s.io", "nodes/proxy"],
  });
  // client-node's Metrics drops the body of errors, so check its code and read the Status directly.
  const err = await t.throwsAsync(() => metrics.getNodeMetrics());
  t.is(
    (err as unknown as { statusCode?: number; code?: number }).code ??
      (err as unknown as { statusCode?: number }).statusCode,
    403,
  );
  const m = (await (await fetch(`${s.url}/apis/metrics.k8s.io/v1beta1/nodes`)).json()) as {
    message: string;
  };
  t.like(m, { kind: "Status", code: 403, reason: "Forbidden" });
  t.regex(
    m.message,
    /cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope/,
  );
  const proxy = await fetch(`${s.url}/api/v1/nodes/rbac-server/proxy/stats/summary`);
  t.is(proxy.status, 403);
  t.like(await proxy.json(), { reason: "Forbidden", details: { kind: "nodes/proxy" } });
  // nodes/stats (the kubelet) is a different permission from nodes/proxy.
  t.is((await fetch(`${s.kubeletUrl("rbac-server")}/stats/summary`)).status, 200);
  t.is((await core.listNode()).items.length, 1);
  s.setForbidden(["nodes/stats", "pods"]);
  t.is((await fetch(`${s.kubeletUrl("rbac-server")}/stats/summary`)).status, 403);
  const pods = await rejectedStatus(() => core.listNamespacedPod({ namespace: "kube-system" }));
  t.like(pods, { code: 403 });
  t.regex(pods.message, /in the namespace "kube-system"/);

  const { s: bare } = await sim("name=bare,nodes=1,distribution=kubeadm", { metricsServer: false });
  t.is((await fetch(`${bare.url}/apis/metrics.k8s.io/v1beta1/nodes`)).status, 404);
  const groups = (await (await fetch(`${bare.url}/apis`)).json()) as { groups: { name: string }[] };
  t.false(groups.groups.some((g) => g.name === "metrics.k8s.io"));
});
