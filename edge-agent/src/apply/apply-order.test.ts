import test from "ava";
import { deleteOrder, installOrder, isCrd, phaseOf } from "./apply-order.js";

const kinds = (list: { kind: string }[]) => list.map((o) => o.kind);

test("install order: CRDs, namespaces, accounts and RBAC, config, storage, workloads, Services, Ingress, the rest", (t) => {
  const shuffled = [
    "Widget",
    "Ingress",
    "Service",
    "Deployment",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "RoleBinding",
    "ServiceAccount",
    "Namespace",
    "CustomResourceDefinition",
  ].map((kind) => ({ kind }));
  t.deepEqual(kinds(installOrder(shuffled)), [
    "CustomResourceDefinition",
    "Namespace",
    "RoleBinding",
    "ServiceAccount",
    "ConfigMap",
    "Secret",
    "PersistentVolumeClaim",
    "Deployment",
    "Service",
    "Ingress",
    "Widget",
  ]);
});

test("the chart's own order is kept within a phase, and delete order is the reverse", (t) => {
  const objs = [
    { kind: "Service", n: 1 },
    { kind: "ConfigMap", n: 2 },
    { kind: "Service", n: 3 },
    { kind: "ConfigMap", n: 4 },
  ];
  t.deepEqual(
    installOrder(objs).map((o) => o.n),
    [2, 4, 1, 3],
  );
  t.deepEqual(
    deleteOrder(objs).map((o) => o.n),
    [3, 1, 4, 2],
  );
});

test("unknown kinds go last; only apiextensions CRDs count as CRDs", (t) => {
  t.true(phaseOf("Prometheus") > phaseOf("Ingress"));
  t.true(isCrd({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" }));
  t.false(isCrd({ apiVersion: "example.com/v1", kind: "CustomResourceDefinition" }));
});
