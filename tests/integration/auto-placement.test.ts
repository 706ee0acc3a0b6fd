import type { NodeReport } from "@smart-orchestrator/shared";
import test from "ava";
import { eventually, type HubHarness, startHub } from "../support/hub-harness.js";
import { StaticReports, startLink } from "../support/link-harness.js";

const Gi = 2 ** 30;

/** A report of `nodes` identical nodes of `arch`, each with `cpu` millicores allocatable, none requested. */
function report(prefix: string, arch: string, nodes: number, cpu: number, rx: number): NodeReport {
  return {
    observedAtMs: Date.now(),
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: `${prefix}-${i}`,
      labels: { "kubernetes.io/arch": arch },
      taints: [],
      ready: true,
      architecture: arch,
      kubeletVersion: "v1.31.4",
      allocatable: { cpuMillis: cpu, memoryBytes: 8 * Gi, pods: 110, ephemeralStorageBytes: 0 },
      requested: { cpuMillis: 0, memoryBytes: 0, pods: 0, ephemeralStorageBytes: 0 },
      usage: { networkRxBytesPerSecond: rx, unavailable: {} },
    })),
  };
}

function web(replicas: number, cpu: string, amd64Only: boolean) {
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            ...(amd64Only ? { nodeSelector: { "kubernetes.io/arch": "amd64" } } : {}),
            containers: [
              { name: "web", image: "nginx", resources: { requests: { cpu, memory: "64Mi" } } },
            ],
          },
        },
      },
    },
  ];
}

async function fleet(t: {
  teardown(fn: () => unknown): void;
}): Promise<HubHarness & { ids: Record<string, string> }> {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  // pi: the emptiest (4 × 4 cores) but arm64 and the busiest network; x86: 2 × 2 cores;
  // big-x86: 3 × 2 cores; cloud: 8 × 8 cores, the fallback only.
  const spec = {
    pi: report("pi", "arm64", 4, 4000, 9000),
    x86: report("x86", "amd64", 2, 2000, 500),
    "big-x86": report("big", "amd64", 3, 2000, 100),
    cloud: report("cloud", "amd64", 8, 8000, 0),
  };
  const ids: Record<string, string> = {};
  for (const [name, r] of Object.entries(spec)) {
    const res = await hub.api("POST", "/clusters", { name, cloud: name === "cloud" });
    ids[name] = res.body.uid;
    const link = startLink({
      hub: hub.hubAddress,
      token: res.body.join.token,
      insecure: true,
      reports: new StaticReports(r),
      // Deploys stay in flight (as a real apply that is still waiting for
      // readiness), so their capacity holds cannot be released by a failed
      // result racing the test's previews.
      onCommand: () => new Promise<never>(() => {}),
    });
    t.teardown(() => link.stop());
  }
  for (const id of Object.values(ids)) {
    await eventually(
      async () => (await hub.api("GET", `/clusters/${id}`)).body.latest,
      `the first report of ${id}`,
    );
  }
  return Object.assign(hub, { ids });
}

test("auto: true places per policy, never amd64-only work on the arm64 cluster, and explains why", async (t) => {
  const hub = await fleet(t);
  const preview = async (policy: string, replicas = 2, cpu = "500m", amd64Only = true) =>
    hub.api("POST", "/enabler/placement/preview", {
      name: "web",
      manifests: web(replicas, cpu, amd64Only),
      placementPolicy: policy,
    });

  const worst = await preview("worst-fit");
  t.is(worst.status, 200);
  t.is(worst.body.chosen.name, "big-x86");
  t.deepEqual(
    worst.body.candidates.map((c: { name: string; maxReplicas?: number; rank?: number }) => [
      c.name,
      c.maxReplicas,
      c.rank,
    ]),
    [
      ["big-x86", 12, 1],
      ["x86", 8, 2],
      ["cloud", 128, 3],
      ["pi", undefined, undefined],
    ],
  );
  const pi = worst.body.candidates.find((c: { name: string }) => c.name === "pi");
  t.is(pi.rejection.code, "no-eligible-node");
  t.regex(pi.rejection.reason, /kubernetes.io\/arch=amd64 not matched \(node has arm64\)/);
  t.is((await preview("best-fit")).body.chosen.name, "x86");
  t.is((await preview("traffic-most")).body.chosen.name, "x86");
  // Without the arch constraint the Pi cluster is fine, and the busiest.
  t.is((await preview("traffic-most", 2, "500m", false)).body.chosen.name, "pi");
  // Too big for every edge cluster: the cloud takes it.
  const fallback = await preview("worst-fit", 20);
  t.is(fallback.body.chosen.name, "cloud");
  t.true(fallback.body.cloudFallback);

  // The real thing: stored with the enabler, shown by GET /enabler/:id.
  const created = await hub.api("POST", "/enabler", {
    name: "web",
    manifests: web(2, "500m", true),
    auto: true,
    placementPolicy: "best-fit",
  });
  t.is(created.status, 201, JSON.stringify(created.body));
  const detail = await hub.api("GET", `/enabler/${created.body.uid}`);
  t.is(detail.body.cluster, hub.ids.x86);
  t.is(detail.body.auto, true);
  t.like(detail.body.placement, { policy: "best-fit", chosen: { name: "x86" }, predictive: false });
  t.is(detail.body.placement.candidates.length, 4);

  // The 1 000m just promised on x86 is held back until a report shows it.
  const after = await preview("best-fit");
  t.is(after.body.candidates.find((c: { name: string }) => c.name === "x86").maxReplicas, 6);
});

test("when nothing fits, POST /enabler answers 409 naming every cluster and why", async (t) => {
  const hub = await fleet(t);
  const res = await hub.api("POST", "/enabler", {
    name: "huge",
    manifests: web(1, "64", true),
    auto: true,
  });
  t.is(res.status, 409);
  for (const name of ["pi", "x86", "big-x86", "cloud"])
    t.regex(res.body.detail, new RegExp(`${name}: `));
  t.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), [
    "clusters.big-x86",
    "clusters.cloud",
    "clusters.pi",
    "clusters.x86",
  ]);
  t.is((await hub.api("GET", "/enabler")).body.length, 0, "nothing was stored");
});
