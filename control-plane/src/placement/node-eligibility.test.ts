import type { Node } from "@smart-orchestrator/shared";
import test from "ava";
import { fitCluster } from "./cluster-fit.js";
import { eligibleNode } from "./node-eligibility.js";
import { nodeTable } from "./node-table.js";
import { nodeIneligibility, readConstraints } from "./pod-constraints.js";
import { deployment, node } from "./test-fleet.js";
import { workloadDemand } from "./workload-demand.js";

const fleet: Node[] = [
  node({ name: "a" }),
  node({ name: "b", arch: "arm64" }),
  node({ name: "c", ready: false }),
  node({ name: "d", taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }),
  node({ name: "e", taints: [{ key: "soft", effect: "PreferNoSchedule" }] }),
  node({ name: "f", arch: "arm64", taints: [{ key: "gpu", effect: "NoExecute" }] }),
  { ...node({ name: "g" }), labels: { "kubernetes.io/hostname": "g" }, architecture: "arm64" },
  node({ name: "h", labels: { zone: "z1" } }),
  node({
    name: "i",
    taints: [
      { key: "dedicated", value: "db", effect: "NoSchedule" },
      { key: "gpu", effect: "NoExecute" },
    ],
  }),
  node({
    name: "j",
    taints: [
      { key: "gpu", effect: "NoExecute" },
      { key: "dedicated", value: "db", effect: "NoSchedule" },
    ],
  }),
];

const specs: Record<string, Record<string, unknown>> = {
  none: {},
  amd64: { nodeSelector: { "kubernetes.io/arch": "amd64" } },
  arm64: { nodeSelector: { "kubernetes.io/arch": "arm64" } },
  "amd64, tolerates db": {
    nodeSelector: { "kubernetes.io/arch": "amd64" },
    tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
  },
  "tolerates everything": { tolerations: [{ operator: "Exists" }] },
  "tolerates gpu": { tolerations: [{ key: "gpu", operator: "Exists" }] },
  "zone selector": { nodeSelector: { zone: "z1" } },
  "arch affinity": {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }],
            },
          ],
        },
      },
    },
  },
};

for (const [name, spec] of Object.entries(specs)) {
  test(`the fast eligibility test agrees with the full match: ${name}`, (t) => {
    const c = readConstraints(spec);
    const table = nodeTable(fleet);
    const fast = fleet.map((_, i) => eligibleNode(c)(table, i));
    const full = fleet.map((n) => nodeIneligibility(n, c) === undefined);
    t.deepEqual(fast, full);
  });
}

test("a cluster without an eligible node names each reason once, with its count", (t) => {
  const nodes = [
    node({ name: "p1", arch: "arm64" }),
    node({ name: "p2", arch: "arm64" }),
    node({ name: "p3", arch: "arm64", ready: false }),
    node({ name: "p4", arch: "arm64" }),
    node({ name: "x1", arch: "s390x" }),
    node({ name: "t1", taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] }),
  ];
  const demand = workloadDemand([
    deployment("web", {
      replicas: 1,
      cpu: "100m",
      nodeSelector: { "kubernetes.io/arch": "amd64" },
    }),
  ]);
  const fit = fitCluster(nodes, demand);
  t.false(fit.fits);
  t.is(
    fit.fits ? "" : fit.reason,
    "Deployment/web: no eligible node (3 nodes: node selector kubernetes.io/arch=amd64 not matched (node has arm64); " +
      "1 node: not Ready; 1 node: node selector kubernetes.io/arch=amd64 not matched (node has s390x); " +
      "1 node: taint dedicated=db:NoSchedule not tolerated)",
  );
});

test("a reason names a node's first taint not tolerated, in the node's own order", (t) => {
  // Both nodes carry the same two taints, in a different order: their taint sets differ.
  const demand = workloadDemand([deployment("web", { replicas: 1, cpu: "100m" })]);
  const reason = (nodes: Node[]) => {
    const fit = fitCluster(nodes, demand);
    return fit.fits ? "" : fit.reason;
  };
  const i = fleet.find((n) => n.name === "i") as Node;
  const j = fleet.find((n) => n.name === "j") as Node;
  t.regex(reason([i]), /1 node: taint dedicated=db:NoSchedule not tolerated\)$/);
  t.regex(reason([j]), /1 node: taint gpu:NoExecute not tolerated\)$/);
  t.regex(reason([i, j, i]), /2 nodes: taint dedicated=db.*; 1 node: taint gpu:NoExecute/);
});
