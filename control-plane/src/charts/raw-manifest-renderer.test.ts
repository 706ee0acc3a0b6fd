import test from "ava";
import { RendererSet } from "./manifest-renderer.js";
import { RawManifestRenderer } from "./raw-manifest-renderer.js";

const renderers = new RendererSet([new RawManifestRenderer({ maxBytes: 64 * 1024 })]);
const render = (yaml: string) =>
  renderers.render({ source: { type: "manifests", yaml }, releaseName: "demo", namespace: "apps" });

test("multi-document YAML becomes objects; empty documents and comments are skipped, Lists flattened", async (t) => {
  const objects = await render(`# leading comment
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: "1"
---
---
# Source: by-hand/svc.yaml
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: s1}
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: migrate
    annotations:
      helm.sh/hook: pre-install, pre-upgrade
      helm.sh/hook-weight: "-5"
      helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
`);
  t.deepEqual(
    objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`),
    ["ConfigMap/settings", "Service/web", "Secret/s1", "Job/migrate"],
  );
  t.is(objects[1]?.source, "by-hand/svc.yaml");
  t.deepEqual(objects[0]?.hooks, []);
  t.like(objects[3], {
    hooks: ["pre-install", "pre-upgrade"],
    hookWeight: -5,
    hookDeletePolicies: ["before-hook-creation", "hook-succeeded"],
  });
});

test("test hooks are tagged, legacy test-success reads as test", async (t) => {
  const [o] = await render(
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test-success\n",
  );
  t.deepEqual(o?.hooks, ["test"]);
});

test("bad manifests are refused with the document number and reason", async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["", /no Kubernetes objects/],
    ["- just\n- a list\n", /document 1: is not a Kubernetes object/],
    ["apiVersion: v1\nmetadata: {name: x}\n", /document 1: needs apiVersion and kind/],
    [
      "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\n",
      /document 2: Pod needs metadata.name/,
    ],
    ["apiVersion: v1\nkind: [\n", /document 1: /],
    [
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  annotations: {helm.sh/hook: sometimes}\n",
      /unknown helm.sh\/hook "sometimes"/,
    ],
    [bomb(), /alias/i],
    [`a: "${"x".repeat(70 * 1024)}"\n`, /larger than/],
  ];
  for (const [yaml, reason] of cases) {
    const err = await t.throwsAsync(render(yaml));
    t.regex(err?.message ?? "", reason, yaml.slice(0, 60));
  }
});

const renderList = (objects: Record<string, unknown>[]) =>
  renderers.render({
    source: { type: "manifests", objects },
    releaseName: "demo",
    namespace: "apps",
  });

test("a list of objects is checked and tagged as is: strings stay strings (no YAML 1.1 round trip)", async (t) => {
  const job = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "migrate", annotations: { "helm.sh/hook": "pre-install,test-success" } },
  };
  const objects = await renderList([
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "flags" },
      data: { a: "yes", b: "on" },
    },
    { apiVersion: "v1", kind: "List", items: [job] },
  ]);
  t.deepEqual(
    objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`),
    ["ConfigMap/flags", "Job/migrate"],
  );
  // As YAML 1.1, `yes` and `on` would read back as booleans.
  t.deepEqual(objects[0]?.object.data, { a: "yes", b: "on" });
  t.deepEqual(objects[1]?.hooks, ["pre-install", "test"]);
});

test("a bad list is refused with the same document number and reason as YAML", async (t) => {
  const ok = { apiVersion: "v1", kind: "A", metadata: { name: "a" } };
  const cases: Array<[Record<string, unknown>[], RegExp]> = [
    [
      [{ apiVersion: "v1", metadata: { name: "x" } }],
      /^manifests, document 1: needs apiVersion and kind$/,
    ],
    [[ok, { apiVersion: "v1", kind: "Pod" }], /^manifests, document 2: Pod needs metadata.name$/],
    [
      [ok, { apiVersion: "v1", kind: "List", items: [1] }],
      /^manifests, document 2, item 1: is not a Kubernetes object/,
    ],
    [
      [{ ...ok, metadata: { name: "h", annotations: { "helm.sh/hook": "sometimes" } } }],
      /unknown helm.sh\/hook "sometimes"/,
    ],
  ];
  for (const [objects, reason] of cases) {
    const err = await t.throwsAsync(renderList(objects));
    t.regex(err?.message ?? "", reason, JSON.stringify(objects).slice(0, 60));
  }
});

test("a chart source needs the helm renderer", async (t) => {
  await t.throwsAsync(
    renderers.render({
      source: { type: "chart", archivePath: "/x.tgz", values: {} },
      releaseName: "demo",
      namespace: "apps",
    }),
    { message: /no renderer for chart/ },
  );
});

function bomb(): string {
  let out =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n";
  let prev = "a";
  for (const n of ["b", "c", "d", "e", "f", "g", "h"]) {
    out += `  ${n}: &${n} [${Array(10).fill(`*${prev}`).join(",")}]\n`;
    prev = n;
  }
  return out;
}
