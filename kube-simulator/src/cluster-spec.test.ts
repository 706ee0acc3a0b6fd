import { readFileSync } from "node:fs";
import { AppError, ErrorCode, parseBytes, parseMillis } from "@smart-orchestrator/shared";
import test from "ava";
import { loadClusterSpec, parseClusterSpec, resolveClusterSpec } from "./cluster-spec.js";
import { type KubeObject, objectAt } from "./kube-object.js";
import { buildNode } from "./node-factory.js";

const fixtures = new URL("../test/fixtures/k8s/", import.meta.url);
const realNodes = (file: string): KubeObject[] =>
  (JSON.parse(readFileSync(new URL(file, fixtures), "utf8")) as { items: KubeObject[] }).items;

test("parses the --cluster key=value form with defaults", (t) => {
  const spec = parseClusterSpec("name=pi,nodes=1,arch=arm64,cpu=4,memory=8Gi,distribution=k3s");
  t.like(spec, {
    name: "pi",
    nodes: 1,
    arch: "arm64",
    cpu: "4",
    memory: "8Gi",
    distribution: "k3s",
    version: "v1.31.4+k3s1",
    maxPods: 110,
    controlPlaneTaint: false,
  });
  const kubeadm = parseClusterSpec(
    "name=dc,nodes=3,distribution=kubeadm,label.topology.kubernetes.io/zone=eu-1,taint=gpu=true:NoSchedule,taint=edge:PreferNoSchedule",
  );
  t.like(kubeadm, { version: "v1.31.4", controlPlaneTaint: true });
  t.deepEqual(kubeadm.labels, { "topology.kubernetes.io/zone": "eu-1" });
  t.deepEqual(kubeadm.taints, [
    { key: "gpu", value: "true", effect: "NoSchedule" },
    { key: "edge", effect: "PreferNoSchedule" },
  ]);
});

for (const [text, pattern] of [
  ["name=x,nodes=0", /nodes must be an integer from 1 to 500, got 0/],
  ["name=x,arch=riscv", /arch must be amd64 or arm64, got "riscv"/],
  ["name=x,cpu=lots", /cpu must be a Kubernetes quantity/],
  ["name=x,memory=0", /memory must be positive/],
  ["name=x,distribution=eks", /distribution must be k3s or kubeadm/],
  ["name=Bad_Name", /name must be a lowercase DNS label/],
  ["name=x,colour=red", /unknown key "colour"/],
  ["name=x,taint=nokey", /taint must be key\[=value\]:Effect/],
  ["name=x,version=1.31", /version must look like v1.31.4/],
] as const) {
  test(`rejects ${text} with a clear invalid_argument`, (t) => {
    const err = t.throws(() => parseClusterSpec(text), { instanceOf: AppError });
    t.is(err?.code, ErrorCode.InvalidArgument);
    t.regex(err?.message ?? "", pattern);
  });
}

test("reads a JSON spec file through the injected reader, with clear errors", (t) => {
  const files: Record<string, string> = {
    "/spec.json": JSON.stringify({
      name: "cloud",
      nodes: 2,
      cpu: "16",
      memory: "64Gi",
      distribution: "kubeadm",
    }),
    "/bad.json": "{not json",
  };
  const read = (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error("ENOENT");
    return text;
  };
  t.like(loadClusterSpec("/spec.json", read), { name: "cloud", nodes: 2, cpu: "16" });
  t.like(loadClusterSpec("name=inline", read), { name: "inline" });
  t.throws(() => loadClusterSpec("/missing.json", read), { message: /cannot read spec file/ });
  t.throws(() => loadClusterSpec("/bad.json", read), { message: /not valid JSON/ });
});

test("generated nodes have the shape of the real node objects in the fixtures", (t) => {
  const real = [
    ...realNodes("nodelist-kind-3nodes-sonobuoy.json"),
    ...realNodes("nodelist-eks-arm64-honeycomb.json"),
  ];
  const spec = resolveClusterSpec({ name: "pi", arch: "arm64", cpu: "4", memory: "8Gi" });
  const node = buildNode(
    spec,
    { name: "pi-server", index: 0, controlPlane: true, ready: true },
    Date.now(),
  );
  for (const r of real) {
    for (const section of ["metadata", "spec", "status"] as const) {
      for (const key of Object.keys(objectAt(r, section))) {
        // Fields the store sets, and cloud-only fields, are not the factory's business.
        if (
          [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "volumesAttached",
            "volumesInUse",
            "config",
          ].includes(key)
        )
          continue;
        if (section === "spec" && key === "taints") continue;
        t.true(key in objectAt(node, section), `${section}.${key} of ${r.metadata.name} missing`);
      }
    }
    const realInfo = Object.keys(objectAt(objectAt(r, "status"), "nodeInfo")).sort();
    t.deepEqual(Object.keys(objectAt(objectAt(node, "status"), "nodeInfo")).sort(), realInfo);
    const realConditions = (objectAt(r, "status").conditions as { type: string }[])
      .map((c) => c.type)
      .filter((x) => x !== "NetworkUnavailable");
    t.deepEqual(
      (objectAt(node, "status").conditions as { type: string }[]).map((c) => c.type),
      realConditions,
    );
  }
  // Quantities use the formats real kubelets report and parse exactly.
  const status = objectAt(node, "status");
  const capacity = objectAt(status, "capacity");
  const allocatable = objectAt(status, "allocatable");
  t.regex(String(capacity.memory), /^\d+Ki$/);
  t.is(parseBytes(String(capacity.memory)), 8n * 2n ** 30n);
  t.is(
    parseBytes(String(capacity.memory)) - parseBytes(String(allocatable.memory)),
    100n * 2n ** 20n,
  );
  t.is(parseMillis(String(allocatable.cpu)), 4000n);
  t.is(node.metadata.labels?.["kubernetes.io/arch"], "arm64");
  t.is(node.metadata.labels?.["node-role.kubernetes.io/control-plane"], "true");
  t.is(node.metadata.labels?.["node.kubernetes.io/instance-type"], "k3s");
  t.like(objectAt(status, "nodeInfo"), { architecture: "arm64", kubeletVersion: "v1.31.4+k3s1" });
});

test("kubeadm control planes are tainted and labelled as kubeadm does", (t) => {
  const spec = resolveClusterSpec({ name: "dc", nodes: 2, distribution: "kubeadm" });
  const cp = buildNode(
    spec,
    { name: "dc-control-plane", index: 0, controlPlane: true, ready: true },
    0,
  );
  t.deepEqual(objectAt(cp, "spec").taints, [
    { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
  ]);
  t.is(cp.metadata.labels?.["node-role.kubernetes.io/control-plane"], "");
  t.truthy(cp.metadata.annotations?.["kubeadm.alpha.kubernetes.io/cri-socket"]);
  const worker = buildNode(
    spec,
    { name: "dc-worker-1", index: 1, controlPlane: false, ready: false },
    0,
  );
  t.is(objectAt(worker, "spec").taints, undefined);
  t.like(
    (objectAt(worker, "status").conditions as { type: string; status: string }[]).find(
      (c) => c.type === "Ready",
    ),
    { status: "False" },
  );
});
