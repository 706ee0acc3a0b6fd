import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import test from "ava";
import { Reservations } from "./reservations.js";
import { type CandidateCluster, type ClusterForecast, noFitError, Scheduler } from "./scheduler.js";
import { cluster, deployment, Mi, node } from "./test-fleet.js";
import { workloadDemand } from "./workload-demand.js";

function scheduler(forecasts: Record<string, ClusterForecast> = {}, now = () => 1_000_000) {
  const reservations = new Reservations();
  const s = new Scheduler({ reservations, now, forecasts: { forecast: (id) => forecasts[id] } });
  return { s, reservations };
}

// 250m / 256Mi per pod. small: 1 node, 1000m free → 4 pods. medium: 2 nodes × 1000m → 8.
// large: 4 nodes × 1000m → 16. Traffic: small is busiest.
const fleet: CandidateCluster[] = [
  cluster("small", [node({ name: "s1", cpu: 1000 })], { rxBytesPerSecond: 9000 }),
  cluster("medium", [node({ name: "m1", cpu: 1000 }), node({ name: "m2", cpu: 1000 })], {
    rxBytesPerSecond: 100,
  }),
  cluster(
    "large",
    [1, 2, 3, 4].map((i) => node({ name: `l${i}`, cpu: 1000 })),
    { rxBytesPerSecond: 500 },
  ),
];
const app = workloadDemand([deployment("app", { replicas: 3, cpu: "250m", memory: "256Mi" })]);

const chosen = (d: { chosen?: { name: string } }) => d.chosen?.name;

test("worst-fit spreads: the fitting cluster with the largest maxReplicas", (t) => {
  const d = scheduler().s.decide(fleet, app, { policy: "worst-fit", predictive: false });
  t.is(chosen(d), "large");
  t.deepEqual(
    d.candidates.map((c) => [c.name, c.maxReplicas, c.rank]),
    [
      ["large", 16, 1],
      ["medium", 8, 2],
      ["small", 4, 3],
    ],
  );
});

test("best-fit packs: the fitting cluster with the smallest maxReplicas", (t) => {
  const d = scheduler().s.decide(fleet, app, { policy: "best-fit", predictive: false });
  t.is(chosen(d), "small");
  t.is(d.candidates[0]?.score, 4);
});

test("best-fit skips a cluster that cannot hold the replicas even though it packs tighter", (t) => {
  const five = workloadDemand([deployment("app", { replicas: 5, cpu: "250m", memory: "256Mi" })]);
  const d = scheduler().s.decide(fleet, five, { policy: "best-fit", predictive: false });
  t.is(chosen(d), "medium");
  const small = d.candidates.find((c) => c.name === "small");
  t.is(small?.rejection?.code, "insufficient-capacity");
  t.regex(small?.rejection?.reason ?? "", /room for 4 of 5 replicas/);
});

test("traffic-most: the fitting cluster with the highest receive rate", (t) => {
  const d = scheduler().s.decide(fleet, app, { policy: "traffic-most", predictive: false });
  t.is(chosen(d), "small");
  t.is(d.order, "traffic-most");
  t.deepEqual(
    d.candidates.map((c) => c.score),
    [9000, 500, 100],
  );
});

test("traffic-most without any traffic figure falls back to worst-fit order", (t) => {
  const quiet = fleet.map((c) => ({ ...c, rxBytesPerSecond: null }));
  const d = scheduler().s.decide(quiet, app, { policy: "traffic-most", predictive: false });
  t.is(d.order, "worst-fit");
  t.is(chosen(d), "large");
});

test("a tainted node counts only for pods that tolerate its taint", (t) => {
  const tainted = [
    cluster("gpu", [
      node({ name: "g1", taints: [{ key: "gpu", value: "true", effect: "NoSchedule" }] }),
    ]),
    cluster("soft", [
      node({ name: "p1", cpu: 1000, taints: [{ key: "x", effect: "PreferNoSchedule" }] }),
    ]),
  ];
  const plain = scheduler().s.decide(tainted, app, { policy: "worst-fit", predictive: false });
  t.is(chosen(plain), "soft");
  const gpu = plain.candidates.find((c) => c.name === "gpu");
  t.is(gpu?.rejection?.code, "no-eligible-node");
  t.regex(gpu?.rejection?.reason ?? "", /taint gpu=true:NoSchedule not tolerated/);

  const tolerant = workloadDemand([
    deployment("app", {
      replicas: 3,
      cpu: "250m",
      memory: "256Mi",
      tolerations: [{ key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" }],
    }),
  ]);
  const d = scheduler().s.decide(tainted, tolerant, { policy: "worst-fit", predictive: false });
  t.is(chosen(d), "gpu");
});

// The Pi cluster is the emptiest, so worst-fit would pick it if arch were ignored.
const archFleet = [
  cluster(
    "pi",
    [1, 2, 3].map((i) => node({ name: `pi${i}`, arch: "arm64", cpu: 4000 })),
  ),
  cluster("x86", [node({ name: "x1", arch: "amd64", cpu: 2000 })]),
];

test("an amd64-only workload by node selector never lands on the arm64 Pi cluster", (t) => {
  const amd = workloadDemand([
    deployment("app", { cpu: "250m", nodeSelector: { "kubernetes.io/arch": "amd64" } }),
  ]);
  const d = scheduler().s.decide(archFleet, amd, { policy: "worst-fit", predictive: false });
  t.is(chosen(d), "x86");
  const pi = d.candidates.find((c) => c.name === "pi");
  t.is(pi?.rejection?.code, "no-eligible-node");
  t.regex(
    pi?.rejection?.reason ?? "",
    /3 nodes: node selector kubernetes.io\/arch=amd64 not matched \(node has arm64\)/,
  );
  const any = workloadDemand([deployment("app", { cpu: "250m" })]);
  t.is(
    chosen(scheduler().s.decide(archFleet, any, { policy: "worst-fit", predictive: false })),
    "pi",
  );
});

test("an amd64-only workload by required node affinity never lands on the arm64 Pi cluster", (t) => {
  const affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }] },
        ],
      },
    },
  };
  const amd = workloadDemand([deployment("app", { cpu: "250m", affinity })]);
  const d = scheduler().s.decide(archFleet, amd, { policy: "worst-fit", predictive: false });
  t.is(chosen(d), "x86");
  t.regex(
    d.candidates.find((c) => c.name === "pi")?.rejection?.reason ?? "",
    /required node affinity not matched \(node is arm64\)/,
  );
});

test("a pod too large for any single node is rejected though the cluster total fits", (t) => {
  // 3 nodes × 1000m free = 3000m in total, but one pod asks 1500m.
  const fleet3 = [
    cluster(
      "wide",
      [1, 2, 3].map((i) => node({ name: `w${i}`, cpu: 1000 })),
    ),
  ];
  const big = workloadDemand([deployment("big", { replicas: 1, cpu: "1500m", memory: "64Mi" })]);
  const d = scheduler().s.decide(fleet3, big, { policy: "worst-fit", predictive: false });
  t.is(d.chosen, undefined);
  t.is(d.candidates[0]?.rejection?.code, "pod-too-large");
  t.regex(d.candidates[0]?.rejection?.reason ?? "", /no single eligible node has room for one pod/);
});

test("a node out of pod slots takes no pod however much CPU it has", (t) => {
  const slots = [
    cluster("full", [node({ name: "f1", cpu: 64000, pods: 110, usedPods: 110 })]),
    cluster("roomy", [node({ name: "r1", cpu: 1000, pods: 110, usedPods: 100 })]),
  ];
  const d = scheduler().s.decide(slots, app, { policy: "worst-fit", predictive: false });
  t.is(chosen(d), "roomy");
  t.is(d.candidates[0]?.maxReplicas, 4);
  const full = d.candidates.find((c) => c.name === "full");
  t.is(full?.rejection?.code, "pod-too-large");
  t.regex(full?.rejection?.reason ?? "", /out of pod slots/);
});

test("a chart with several workloads must fit together, not only one by one", (t) => {
  // Each node has 1000m: web (2 × 600m) fits alone, db (2 × 500m) fits alone, together they need 2200m > 2000m.
  const two = [cluster("pair", [node({ name: "a", cpu: 1000 }), node({ name: "b", cpu: 1000 })])];
  const chart = workloadDemand([
    deployment("web", { replicas: 2, cpu: "600m", memory: "64Mi" }),
    deployment("db", { replicas: 2, cpu: "500m", memory: "64Mi", kind: "StatefulSet" }),
    { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: {} },
  ]);
  t.is(chart.groups.length, 2);
  const d = scheduler().s.decide(two, chart, { policy: "worst-fit", predictive: false });
  t.is(d.candidates[0]?.rejection?.code, "not-together");
  const three = [
    cluster(
      "trio",
      ["a", "b", "c"].map((n) => node({ name: n, cpu: 1000 })),
    ),
  ];
  const ok = scheduler().s.decide(three, chart, { policy: "worst-fit", predictive: false });
  t.is(chosen(ok), "trio");
  // maxReplicas is the tighter workload's: web fits 1 per node = 3.
  t.is(ok.candidates[0]?.maxReplicas, 3);
});

test("a DaemonSet needs one pod on every eligible node", (t) => {
  const ds = workloadDemand([
    deployment("agent", { kind: "DaemonSet", cpu: "300m", memory: "64Mi" }),
  ]);
  const fleet2 = [
    cluster("tight", [
      node({ name: "t1", cpu: 1000 }),
      node({ name: "t2", cpu: 1000, usedCpu: 800 }),
    ]),
    cluster("loose", [node({ name: "o1", cpu: 1000 }), node({ name: "o2", cpu: 1000 })]),
  ];
  const d = scheduler().s.decide(fleet2, ds, { policy: "worst-fit", predictive: false });
  t.is(chosen(d), "loose");
  t.regex(
    d.candidates.find((c) => c.name === "tight")?.rejection?.reason ?? "",
    /eligible node t2/,
  );
});

test("ties break by name", (t) => {
  const twins = [
    cluster("zeta", [node({ name: "z1", cpu: 1000 })]),
    cluster("alpha", [node({ name: "a1", cpu: 1000 })]),
  ];
  for (const policy of ["worst-fit", "best-fit", "traffic-most"] as const) {
    const d = scheduler().s.decide(twins, app, { policy, predictive: false });
    t.is(chosen(d), "alpha", policy);
  }
});

test("when every cluster is rejected the 409 names each one and why", (t) => {
  const none = [
    cluster("gone", [node({ name: "g1" })], { connected: false }),
    cluster("sick", [node({ name: "s1", ready: false })]),
    cluster("tiny", [node({ name: "t1", cpu: 500 })]),
    cluster("new", [], { table: undefined }),
  ];
  const { s } = scheduler();
  const d = s.decide(none, app, { policy: "worst-fit", predictive: false });
  t.is(d.chosen, undefined);
  t.deepEqual(
    d.candidates.map((c) => [c.name, c.rejection?.code]),
    [
      ["gone", "disconnected"],
      ["new", "no-report"],
      ["sick", "no-eligible-node"],
      ["tiny", "insufficient-capacity"],
    ],
  );
  const err = t.throws(() => s.place("e1", none, app, { policy: "worst-fit", predictive: false }));
  t.true(err instanceof AppError && err.code === ErrorCode.Conflict);
  for (const name of ["gone", "new", "sick", "tiny"]) t.regex(err.message, new RegExp(`${name}: `));
  t.is((err as AppError).fields.length, 4);
  t.is(
    noFitError({ ...d, candidates: [] }).message,
    "no cluster can take the release: no clusters are registered",
  );
});

test("disconnected clusters are skipped however much room they have", (t) => {
  const d = scheduler().s.decide(
    [
      cluster("huge", [node({ name: "h", cpu: 64000 })], {
        connected: false,
        rxBytesPerSecond: 1e9,
      }),
      cluster("small", [node({ name: "s", cpu: 1000 })]),
    ],
    app,
    { policy: "traffic-most", predictive: false },
  );
  t.is(chosen(d), "small");
  t.is(d.candidates.find((c) => c.name === "huge")?.outcome, "rejected");
});

test("the cloud cluster is only the fallback when no edge cluster fits", (t) => {
  const cloud = cluster("cloud", [node({ name: "c1", cpu: 64000 })], {
    cloud: true,
    rxBytesPerSecond: 1e9,
  });
  const edge = cluster("edge", [node({ name: "e1", cpu: 1000 })]);
  const d = scheduler().s.decide([cloud, edge], app, { policy: "traffic-most", predictive: false });
  t.is(chosen(d), "edge");
  t.false(d.cloudFallback);
  t.deepEqual(
    d.candidates.map((c) => [c.name, c.rank]),
    [
      ["edge", 1],
      ["cloud", 2],
    ],
  );
  const big = workloadDemand([deployment("app", { replicas: 8, cpu: "250m" })]);
  const f = scheduler().s.decide([cloud, edge], big, { policy: "worst-fit", predictive: false });
  t.is(chosen(f), "cloud");
  t.true(f.cloudFallback);
});

test("two placements in quick succession do not both count the same free room", (t) => {
  // One cluster with room for 4 pods; each release wants 3.
  const one = [cluster("only", [node({ name: "o1", cpu: 1000 })])];
  const { s, reservations } = scheduler();
  const first = s.place("e1", one, app, { policy: "worst-fit", predictive: false });
  t.is(chosen(first), "only");
  // The report has not changed yet: without the hold the second would fit too.
  const err = t.throws(() => s.place("e2", one, app, { policy: "worst-fit", predictive: false }));
  t.regex(err.message, /room for 1 of 3 replicas/);
  // The deploy settles; a report observed after it counts the pods, so the hold goes.
  reservations.settle("e1", 2_000_000);
  reservations.reported("id-only", 1_999_999);
  t.is(reservations.size, 1, "a report older than the deploy does not show its pods");
  reservations.reported("id-only", 2_000_001);
  t.is(reservations.size, 0);
});

test("preview (decide) holds nothing", (t) => {
  const one = [cluster("only", [node({ name: "o1", cpu: 1000 })])];
  const { s, reservations } = scheduler();
  s.decide(one, app, { policy: "worst-fit", predictive: false });
  s.decide(one, app, { policy: "worst-fit", predictive: false });
  t.is(reservations.size, 0);
});

test("predictive: a cluster whose forecast p90 use cannot hold the release is rejected with that reason", (t) => {
  const pair = [
    cluster("busy", [node({ name: "b1", cpu: 4000, memMi: 8192 })], { rxBytesPerSecond: 10 }),
    cluster("calm", [node({ name: "c1", cpu: 2000, memMi: 8192 })], { rxBytesPerSecond: 20 }),
  ];
  const horizonMs = 6 * 3_600_000;
  const forecasts = {
    // Requests leave busy 4000m, but its use at p90 is 3500m: 500m left, the release needs 750m.
    "id-busy": {
      cpuUsedP90Millis: 3500,
      memoryUsedP90Bytes: 1024 * Mi,
      rxMeanBytesPerSecond: 900,
      horizonMs,
    },
    "id-calm": {
      cpuUsedP90Millis: 200,
      memoryUsedP90Bytes: 1024 * Mi,
      rxMeanBytesPerSecond: 50,
      horizonMs,
    },
  };
  const plain = scheduler(forecasts).s.decide(pair, app, {
    policy: "worst-fit",
    predictive: false,
  });
  t.is(chosen(plain), "busy");
  const d = scheduler(forecasts).s.decide(pair, app, { policy: "worst-fit", predictive: true });
  t.is(chosen(d), "calm");
  const busy = d.candidates.find((c) => c.name === "busy");
  t.is(busy?.rejection?.code, "forecast-insufficient");
  t.regex(
    busy?.rejection?.reason ?? "",
    /over the next 6 h leaves cpu 500m free at peak, the release needs 750m/,
  );
  // calm: min(request room 8, (2000 − 200) / 250 = 7) = 7.
  t.is(d.candidates[0]?.maxReplicas, 7);
  // traffic-most uses the forecast mean, not the latest sample.
  const tm = scheduler({
    ...forecasts,
    "id-busy": { ...forecasts["id-busy"], cpuUsedP90Millis: 0 },
  }).s.decide(pair, app, { policy: "traffic-most", predictive: true });
  t.is(chosen(tm), "busy");
  t.is(tm.candidates[0]?.score, 900);
});
