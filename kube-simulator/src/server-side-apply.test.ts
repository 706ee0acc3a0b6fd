import test from "ava";
import type { ApiStatusError } from "./api-status.js";
import type { KubeObject } from "./kube-object.js";
import { allVerbs, type ResourceType, typeOfKind } from "./resource-registry.js";
import { recordUpdate, serverSideApply } from "./server-side-apply.js";

const deploymentType = typeOfKind("Deployment");
const configMapType = typeOfKind("ConfigMap");

function deployment(containers: object[], extra: object = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "app", namespace: "default", ...extra },
    spec: {
      selector: { matchLabels: { app: "app" } },
      template: { metadata: { labels: { app: "app" } }, spec: { containers } },
    },
  } as KubeObject;
}

const apply = (
  type: ResourceType,
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  force = false,
) => serverSideApply(type, live, config, { manager, force, now: Date.now() });

interface Container {
  name: string;
  env: { name: string; value: string }[];
}
const containers = (obj: KubeObject) =>
  (obj.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;

/** A manager's `fieldsV1` node at `path`. */
function ownedAt(obj: KubeObject, manager: string, path: readonly string[]): unknown {
  let node: unknown = obj.metadata.managedFields?.find((m) => m.manager === manager)?.fieldsV1;
  for (const el of path) node = (node as Record<string, unknown> | undefined)?.[el];
  return node;
}

function conflictOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as ApiStatusError).message;
  }
  return "no conflict";
}

test("ports are keyed by containerPort and protocol, protocol defaulted to TCP", (t) => {
  const obj = apply(
    deploymentType,
    undefined,
    deployment([{ name: "web", image: "nginx", ports: [{ containerPort: 80 }] }]),
    "a",
  );
  const ports = ownedAt(obj, "a", [
    "f:spec",
    "f:template",
    "f:spec",
    "f:containers",
    'k:{"name":"web"}',
    "f:ports",
  ]) as Record<string, unknown>;
  t.deepEqual(Object.keys(ports), ['k:{"containerPort":80,"protocol":"TCP"}']);
  t.deepEqual(ports['k:{"containerPort":80,"protocol":"TCP"}'], {
    ".": {},
    "f:containerPort": {},
  });
});

test("an atomic list (args) is owned whole: another manager's different args conflict", (t) => {
  const first = apply(
    deploymentType,
    undefined,
    deployment([{ name: "web", image: "nginx", args: ["--a"] }]),
    "a",
  );
  t.regex(
    conflictOf(() =>
      apply(deploymentType, first, deployment([{ name: "web", args: ["--b"] }]), "b"),
    ),
    /conflict with "a" using apps\/v1: \.spec\.template\.spec\.containers\[name="web"\]\.args$/,
  );
});

test("finalizers are a set: each manager owns its values as v: paths", (t) => {
  const cm = (finalizers: string[]): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c", namespace: "default", ...(finalizers.length ? { finalizers } : {}) },
  });
  const a = apply(configMapType, undefined, cm(["example.com/a"]), "a");
  const both = apply(configMapType, a, cm(["example.com/b"]), "b");
  t.deepEqual(both.metadata.finalizers, ["example.com/a", "example.com/b"]);
  t.deepEqual(ownedAt(both, "b", []), {
    "f:metadata": { "f:finalizers": { 'v:"example.com/b"': {} } },
  });
  const dropped = apply(configMapType, both, cm([]), "a");
  t.deepEqual(dropped.metadata.finalizers, ["example.com/b"], "a's value goes, b's stays");
});

test("an item added by an Update (kubectl edit) survives an apply that never had it", (t) => {
  const env = (names: string[]) => names.map((name) => ({ name, value: "1" }));
  const first = apply(
    deploymentType,
    undefined,
    deployment([{ name: "web", image: "nginx", env: env(["A", "B"]) }]),
    "agent",
  );
  const edited = structuredClone(first);
  containers(edited)[0]?.env.push({ name: "EDITED", value: "1" });
  const afterEdit = recordUpdate(deploymentType, first, edited, "kubectl-edit", Date.now());
  const reapplied = apply(
    deploymentType,
    afterEdit,
    deployment([{ name: "web", image: "nginx", env: env(["A"]) }]),
    "agent",
    true,
  );
  t.deepEqual(
    containers(reapplied)[0]?.env.map((e) => e.name),
    ["A", "EDITED"],
    "B (the agent's, no longer applied) goes; EDITED (kubectl-edit's) stays",
  );
});

const gadgetType = (listType?: string): ResourceType => ({
  group: "example.com",
  version: "v1",
  kind: "Gadget",
  plural: "gadgets",
  singular: "gadget",
  namespaced: true,
  verbs: allVerbs,
  schema: {
    type: "object",
    properties: {
      spec: {
        type: "object",
        properties: {
          parts: {
            type: "array",
            ...(listType
              ? { "x-kubernetes-list-type": listType, "x-kubernetes-list-map-keys": ["name"] }
              : {}),
            items: { type: "object", properties: { name: { type: "string" } } },
          },
        },
      },
    },
  },
});

const gadget = (parts: object[]): KubeObject =>
  ({
    apiVersion: "example.com/v1",
    kind: "Gadget",
    metadata: { name: "g", namespace: "default" },
    spec: { parts },
  }) as KubeObject;

test("a custom resource's lists follow its schema: map lists merge, undeclared ones are atomic", (t) => {
  const map = gadgetType("map");
  const a = apply(map, undefined, gadget([{ name: "x", size: 1 }]), "a");
  const both = apply(map, a, gadget([{ name: "y", size: 2 }]), "b");
  t.deepEqual(
    (both.spec as { parts: { name: string }[] }).parts.map((p) => p.name),
    ["x", "y"],
  );

  const atomic = gadgetType();
  const first = apply(atomic, undefined, gadget([{ name: "x" }]), "a");
  t.regex(
    conflictOf(() => apply(atomic, first, gadget([{ name: "y" }]), "b")),
    /conflict with "a" using example\.com\/v1: \.spec\.parts$/,
  );
});
