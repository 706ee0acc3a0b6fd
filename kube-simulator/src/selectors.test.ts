import test from "ava";
import type { KubeObject } from "./kube-object.js";
import { typeOfKind } from "./resource-registry.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";

const obj = (labels: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "ns", labels },
  ...extra,
});

for (const [selector, labels, expected] of [
  ["app=web", { app: "web" }, true],
  ["app==web", { app: "web" }, true],
  ["app!=web", { app: "db" }, true],
  ["app!=web", {}, true],
  ["app in (web, db)", { app: "db" }, true],
  ["app notin (web,db)", { app: "db" }, false],
  ["app notin (web,db)", {}, true],
  ["app", { app: "" }, true],
  ["!app", { app: "x" }, false],
  ["app,tier=front", { app: "x", tier: "front" }, true],
  ["app.kubernetes.io/instance=rel", { "app.kubernetes.io/instance": "rel" }, true],
  ["replicas>2", { replicas: "3" }, true],
  ["replicas<2", { replicas: "3" }, false],
  ["", {}, true],
] as const) {
  test(`label selector ${JSON.stringify(selector)} on ${JSON.stringify(labels)} is ${expected}`, (t) => {
    t.is(parseLabelSelector(selector)(obj(labels)), expected);
  });
}

test("malformed label selectors are 400 BadRequest", (t) => {
  for (const bad of ["app in (a", "a=b=c", "-bad=x", "a=b c"]) {
    const err = t.throws(() => parseLabelSelector(bad)) as { status?: { code: number } };
    t.is(err.status?.code, 400, bad);
  }
});

test("field selectors: supported fields per resource, = == and !=", (t) => {
  const pods = typeOfKind("Pod");
  const running = obj({}, { spec: { nodeName: "n1" }, status: { phase: "Running" } });
  t.true(parseFieldSelector("spec.nodeName=n1,status.phase==Running", pods)(running));
  t.false(parseFieldSelector("status.phase!=Running", pods)(running));
  t.true(parseFieldSelector("metadata.namespace=ns,metadata.name=p", pods)(running));
  t.true(parseFieldSelector("spec.nodeName=", pods)(obj({})));
  const err = t.throws(() => parseFieldSelector("spec.nodeName=n1", typeOfKind("ConfigMap"))) as {
    status?: { code: number; message: string };
  };
  t.is(err.status?.code, 400);
  t.is(err.status?.message, "field label not supported: spec.nodeName");
});
