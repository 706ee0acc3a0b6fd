import { AppError } from "@smart-orchestrator/shared";
import test from "ava";
import { nodeIneligibility, readConstraints } from "./pod-constraints.js";
import { deployment, Mi, node } from "./test-fleet.js";
import { kubernetesDefaultRequests, workloadDemand } from "./workload-demand.js";

test("every pod-template kind yields a group; other kinds ask nothing", (t) => {
  const d = workloadDemand([
    deployment("web", { replicas: 3, cpu: "100m", memory: "64Mi" }),
    deployment("db", { kind: "StatefulSet", replicas: 2, cpu: "1", memory: "1Gi" }),
    deployment("logs", { kind: "DaemonSet", cpu: "50m", memory: "32Mi" }),
    {
      kind: "Job",
      metadata: { name: "migrate" },
      spec: {
        parallelism: 4,
        completions: 2,
        template: {
          spec: { containers: [{ resources: { requests: { cpu: "200m", memory: "10Mi" } } }] },
        },
      },
    },
    { kind: "ConfigMap", metadata: { name: "cfg" }, data: {} },
    "not an object",
  ]);
  t.deepEqual(
    d.groups.map((g) => [g.workload, g.replicas, g.perNode, g.cpuMillis, g.memoryBytes]),
    [
      ["Deployment/web", 3, false, 100, 64 * Mi],
      ["StatefulSet/db", 2, false, 1000, 1024 * Mi],
      ["DaemonSet/logs", 1, true, 50, 32 * Mi],
      ["Job/migrate", 2, false, 200, 10 * Mi],
    ],
  );
});

test("replicas default to 1; init containers and sidecars count as Kubernetes counts them", (t) => {
  const [g] = workloadDemand([
    {
      kind: "Deployment",
      metadata: { name: "x" },
      spec: {
        template: {
          spec: {
            containers: [{ resources: { requests: { cpu: "100m", memory: "64Mi" } } }],
            initContainers: [
              { restartPolicy: "Always", resources: { requests: { cpu: "50m", memory: "16Mi" } } },
              { resources: { requests: { cpu: "500m", memory: "16Mi" } } },
            ],
          },
        },
      },
    },
  ]).groups;
  t.is(g?.replicas, 1);
  t.is(g?.cpuMillis, 550);
  t.is(g?.memoryBytes, 80 * Mi);
  t.false(g?.defaulted);
});

test("a pod without requests uses the configurable default", (t) => {
  const [k] = workloadDemand([deployment("bare")]).groups;
  t.is(k?.cpuMillis, kubernetesDefaultRequests.cpuMillis);
  t.is(k?.memoryBytes, kubernetesDefaultRequests.memoryBytes);
  t.true(k?.defaulted);
  const [c] = workloadDemand([deployment("half", { cpu: "300m" })], {
    cpuMillis: 1,
    memoryBytes: 7,
  }).groups;
  t.is(c?.cpuMillis, 300);
  t.is(c?.memoryBytes, 7);
});

test("malformed replicas or quantities are refused naming the workload", (t) => {
  const bad = deployment("x", { replicas: 1 });
  (bad.spec as Record<string, unknown>).replicas = "3";
  t.regex(
    t.throws(() => workloadDemand([bad]), { instanceOf: AppError }).message,
    /Deployment\/x: spec.replicas/,
  );
  t.regex(
    t.throws(() => workloadDemand([deployment("y", { cpu: "lots" })]), { instanceOf: AppError })
      .message,
    /Deployment\/y: .*lots/,
  );
});

test("node affinity operators and match fields behave as in Kubernetes", (t) => {
  const n = node({ name: "n1", labels: { zone: "a", gen: "5" } });
  const term = (matchExpressions: unknown[], matchFields: unknown[] = []) =>
    readConstraints({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions, matchFields }],
          },
        },
      },
    });
  const ok = (c: ReturnType<typeof term>) => nodeIneligibility(n, c) === undefined;
  t.true(ok(term([{ key: "zone", operator: "In", values: ["a", "b"] }])));
  t.false(ok(term([{ key: "zone", operator: "NotIn", values: ["a"] }])));
  t.true(ok(term([{ key: "gpu", operator: "DoesNotExist" }])));
  t.false(ok(term([{ key: "gpu", operator: "Exists" }])));
  t.true(ok(term([{ key: "gen", operator: "Gt", values: ["4"] }])));
  t.false(ok(term([{ key: "gen", operator: "Lt", values: ["4"] }])));
  t.true(ok(term([], [{ key: "metadata.name", operator: "In", values: ["n1"] }])));
  t.false(ok(term([])), "an empty term matches nothing");
  // Terms are ORed.
  const either = readConstraints({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "zone", operator: "In", values: ["z"] }] },
            {
              matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64"] }],
            },
          ],
        },
      },
    },
  });
  t.true(ok(either));
});

test("arch is matched from the report when the node lacks the label", (t) => {
  const n = { ...node({ name: "p", arch: "arm64" }), labels: {} };
  const c = readConstraints({ nodeSelector: { "kubernetes.io/arch": "arm64" } });
  t.is(nodeIneligibility(n, c), undefined);
  t.regex(
    nodeIneligibility(n, readConstraints({ nodeSelector: { "kubernetes.io/arch": "amd64" } })) ??
      "",
    /arm64/,
  );
});

test("tolerations: Exists with no key tolerates all; effect must match when given", (t) => {
  const n = node({ name: "n", taints: [{ key: "k", value: "v", effect: "NoExecute" }] });
  t.is(nodeIneligibility(n, readConstraints({ tolerations: [{ operator: "Exists" }] })), undefined);
  t.regex(
    nodeIneligibility(
      n,
      readConstraints({ tolerations: [{ key: "k", value: "v", effect: "NoSchedule" }] }),
    ) ?? "",
    /taint k=v:NoExecute not tolerated/,
  );
  t.is(
    nodeIneligibility(n, readConstraints({ tolerations: [{ key: "k", value: "v" }] })),
    undefined,
  );
});
