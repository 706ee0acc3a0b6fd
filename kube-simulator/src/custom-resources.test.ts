import test from "ava";
import { type SimulatorHandle, startSimulator } from "./simulator.js";
import { type ApiAnswer, apiCall, waitFor } from "./test-support.js";

const sims: SimulatorHandle[] = [];
test.after.always(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

async function sim(): Promise<SimulatorHandle> {
  const s = await startSimulator({ cluster: "name=crd,nodes=1", readyDelayMs: 0 });
  sims.push(s);
  return s;
}

const call = (
  s: SimulatorHandle,
  method: string,
  path: string,
  body?: unknown,
  type?: string,
): Promise<ApiAnswer> => apiCall(s.url, method, path, body, type);

const widgetCrd = (scope = "Namespaced", plural = "widgets", kind = "Widget") => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.example.com` },
  spec: {
    group: "example.com",
    scope,
    names: { plural, kind, shortNames: ["wd"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: "Size", type: "integer", jsonPath: ".spec.size" }],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: {
                  size: { type: "integer" },
                  mode: { type: "string", enum: ["fast", "slow"] },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                },
              },
              status: { type: "object", properties: { phase: { type: "string" } } },
            },
          },
        },
      },
    ],
  },
});

async function established(s: SimulatorHandle, name: string): Promise<Record<string, unknown>> {
  return waitFor(`CRD ${name} Established`, async () => {
    const r = await call(
      s,
      "GET",
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    );
    const conditions =
      (r.body.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
    return conditions.some((c) => c.type === "Established" && c.status === "True")
      ? r.body
      : undefined;
  });
}

const widget = (name: string, spec: unknown) => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name },
  spec,
});

test("an established CRD is discovered and its namespaced resources are served and validated by its schema", async (t) => {
  const s = await sim();
  t.is((await call(s, "GET", "/apis/example.com/v1")).status, 404);
  t.is(
    (await call(s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd()))
      .status,
    201,
  );
  const crd = await established(s, "widgets.example.com");
  const status = crd.status as {
    conditions: { type: string; status: string; reason: string }[];
    acceptedNames: { kind: string; listKind: string };
    storedVersions: string[];
  };
  t.deepEqual(
    status.conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ["NamesAccepted", "True", "NoConflicts"],
      ["Established", "True", "InitialNamesAccepted"],
    ],
  );
  t.is(status.acceptedNames.listKind, "WidgetList");
  t.deepEqual(status.storedVersions, ["v1"]);

  const groups = (await call(s, "GET", "/apis")).body.groups as { name: string }[];
  t.true(groups.some((g) => g.name === "example.com"));
  const resources = (await call(s, "GET", "/apis/example.com/v1")).body.resources as {
    name: string;
    namespaced: boolean;
    shortNames?: string[];
  }[];
  t.deepEqual(
    resources.map((r) => r.name),
    ["widgets", "widgets/status"],
  );
  t.true(resources[0]!.namespaced);
  t.deepEqual(resources[0]!.shortNames, ["wd"]);

  const base = "/apis/example.com/v1/namespaces/default/widgets";
  const made = await call(s, "POST", base, {
    ...widget("w1", { size: 3, colour: "red" }),
    status: { phase: "Set" },
  });
  t.is(made.status, 201);
  t.is(made.warning, '299 - "unknown field \\"spec.colour\\""');
  t.deepEqual(made.body.spec, { size: 3 });
  t.is(made.body.status, undefined, "status is a subresource: a create does not set it");
  const strict = await call(
    s,
    "POST",
    `${base}?fieldValidation=Strict`,
    widget("w2", { size: 1, colour: "red" }),
  );
  t.is(strict.status, 400);
  t.is(
    strict.body.message,
    'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour"',
  );
  const wrongType = await call(s, "POST", base, widget("w3", { size: "three", mode: "odd" }));
  t.is(wrongType.status, 422);
  t.is(
    wrongType.body.message,
    'Widget.example.com "w3" is invalid: [spec.size: Invalid value: "string": spec.size in body must be of type integer: "string", spec.mode: Unsupported value: "odd": supported values: "fast", "slow"]',
  );
  const missing = await call(
    s,
    "POST",
    base,
    widget("w4", { mode: "fast", extra: { anything: [1] } }),
  );
  t.is(missing.body.message, 'Widget.example.com "w4" is invalid: spec.size: Required value');

  const onStatus = await call(s, "PUT", `${base}/w1/status`, {
    ...made.body,
    status: { phase: "Ready" },
  });
  t.is(onStatus.status, 200);
  t.deepEqual(onStatus.body.status, { phase: "Ready" });
  const listed = await call(s, "GET", base);
  t.is(listed.body.kind, "WidgetList");
  t.is((listed.body.items as unknown[]).length, 1);
  const merged = await call(
    s,
    "PATCH",
    `${base}/w1`,
    { spec: { size: 5 } },
    "application/merge-patch+json",
  );
  t.is((merged.body.spec as { size: number }).size, 5);
  t.is((merged.body.metadata as { generation: number }).generation, 2);
  const smp = await call(
    s,
    "PATCH",
    `${base}/w1`,
    { spec: { size: 6 } },
    "application/strategic-merge-patch+json",
  );
  t.is(smp.status, 415);

  const table = await fetch(`${s.url}${base}`, {
    headers: { Accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
  });
  const tableBody = (await table.json()) as {
    columnDefinitions: { name: string }[];
    rows: { cells: unknown[] }[];
  };
  t.deepEqual(
    tableBody.columnDefinitions.map((c) => c.name),
    ["Name", "Size", "Age"],
  );
  t.deepEqual(tableBody.rows[0]!.cells.slice(0, 2), ["w1", 5]);
  t.is(s.get("Widget", "default", "w1")?.metadata.name, "w1");
});

test("custom kinds are per simulator, cluster-scoped ones work, and deleting the CRD removes its resources and discovery", async (t) => {
  const [a, b] = [await sim(), await sim()];
  await call(
    a,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    widgetCrd("Cluster", "gadgets", "Gadget"),
  );
  await established(a, "gadgets.example.com");
  t.is(
    (await call(b, "GET", "/apis/example.com/v1")).status,
    404,
    "another simulator in this process does not serve it",
  );
  const made = await call(a, "POST", "/apis/example.com/v1/gadgets", {
    apiVersion: "example.com/v1",
    kind: "Gadget",
    metadata: { name: "g1" },
    spec: { size: 1 },
  });
  t.is(made.status, 201);
  t.is((made.body.metadata as { namespace?: string }).namespace, undefined);
  const watch = await fetch(`${a.url}/apis/example.com/v1/gadgets?watch=true`);
  const ended = watch.text();
  const deleted = await call(
    a,
    "DELETE",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com",
  );
  t.is(deleted.status, 200);
  const events = await ended;
  t.regex(
    events,
    /"type":"ADDED"[^\n]*\n.*"type":"DELETED"/s,
    "a watch sees the resource go, then ends",
  );
  await waitFor(
    "discovery to drop example.com",
    async () => (await call(a, "GET", "/apis/example.com/v1")).status === 404,
  );
  const groups = (await call(a, "GET", "/apis")).body.groups as { name: string }[];
  t.false(groups.some((g) => g.name === "example.com"));
  // Defining it again serves an empty collection: the old objects went with the CRD.
  await call(
    a,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    widgetCrd("Cluster", "gadgets", "Gadget"),
  );
  await established(a, "gadgets.example.com");
  t.deepEqual((await call(a, "GET", "/apis/example.com/v1/gadgets")).body.items, []);
});

test("a CRD whose name is not <plural>.<group> is refused, and a clashing kind is not accepted", async (t) => {
  const s = await sim();
  const bad = await call(s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    ...widgetCrd(),
    metadata: { name: "widget.example.com" },
  });
  t.is(bad.status, 422);
  t.is(
    bad.body.message,
    'CustomResourceDefinition.apiextensions.k8s.io "widget.example.com" is invalid: metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group',
  );
  await call(s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", widgetCrd());
  const live = await established(s, "widgets.example.com");
  const rescoped = await call(
    s,
    "PUT",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
    { ...live, spec: { ...(live.spec as object), scope: "Cluster" } },
  );
  t.is(rescoped.status, 422);
  t.is(
    rescoped.body.message,
    'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: spec.scope: Invalid value: "Cluster": field is immutable',
  );
  await call(
    s,
    "POST",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    widgetCrd("Namespaced", "widgetz", "Widget"),
  );
  const clash = await waitFor("the clash to be reported", async () => {
    const r = await call(
      s,
      "GET",
      "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgetz.example.com",
    );
    return (r.body.status as { conditions?: { type: string; status: string; message: string }[] })
      ?.conditions;
  });
  t.deepEqual(
    clash.map((c) => [c.type, c.status, c.message]),
    [
      ["NamesAccepted", "False", '"Widget" is already in use'],
      ["Established", "False", "not all names are accepted"],
    ],
  );
});

test("every served version is routed, with its own schema; objects read at any version", async (t) => {
  const s = await sim();
  const crd = widgetCrd();
  const v1 = crd.spec.versions[0]!;
  const beta = {
    ...v1,
    name: "v1beta1",
    storage: false,
    schema: {
      openAPIV3Schema: {
        type: "object",
        properties: { spec: { type: "object", properties: { size: { type: "string" } } } },
      },
    },
  };
  const notServed = { ...beta, name: "v1alpha1", served: false };
  await call(s, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    ...crd,
    spec: { ...crd.spec, versions: [beta, v1, notServed] },
  });
  await established(s, "widgets.example.com");
  const group = (await call(s, "GET", "/apis/example.com")).body as {
    versions: { version: string }[];
    preferredVersion: { version: string };
  };
  t.deepEqual(
    group.versions.map((v) => v.version),
    ["v1", "v1beta1"],
  );
  t.is(group.preferredVersion.version, "v1");
  t.is((await call(s, "GET", "/apis/example.com/v1alpha1")).status, 404);

  const made = await call(s, "POST", "/apis/example.com/v1beta1/namespaces/default/widgets", {
    apiVersion: "example.com/v1beta1",
    kind: "Widget",
    metadata: { name: "b" },
    spec: { size: "big" },
  });
  t.is(made.status, 201, JSON.stringify(made.body));
  const asV1 = await call(s, "GET", "/apis/example.com/v1/namespaces/default/widgets/b");
  t.is(asV1.body.apiVersion, "example.com/v1");
  t.deepEqual(asV1.body.spec, { size: "big" });
  const patched = await call(
    s,
    "PATCH",
    "/apis/example.com/v1beta1/namespaces/default/widgets/b",
    { spec: { size: "small" } },
    "application/merge-patch+json",
  );
  t.is(patched.body.apiVersion, "example.com/v1beta1");
  // The first line of a watch is the synthetic ADDED event; read it and hang up.
  const controller = new AbortController();
  const watch = await fetch(
    `${s.url}/apis/example.com/v1beta1/namespaces/default/widgets?watch=true`,
    {
      signal: controller.signal,
    },
  );
  const chunk = await watch.body!.getReader().read();
  controller.abort();
  const first = JSON.parse(Buffer.from(chunk.value!).toString().split("\n")[0]!) as {
    object: { apiVersion: string };
  };
  t.is(first.object.apiVersion, "example.com/v1beta1");
  // The v1 schema wants an integer: the same object written at v1 is checked against it.
  const wrong = await call(s, "PUT", "/apis/example.com/v1/namespaces/default/widgets/b", {
    ...asV1.body,
    spec: { size: "big" },
  });
  t.is(wrong.status, 422);
});

test("with an establish delay a new CRD is Installing, and its kind not served, until the delay is over", async (t) => {
  const s = await startSimulator({ cluster: "name=crd,nodes=1", establishDelayMs: 60_000 });
  sims.push(s);
  const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  t.is((await call(s, "POST", crdPath, widgetCrd())).status, 201);
  const installing = await waitFor("CRD Installing", async () => {
    const r = await call(s, "GET", `${crdPath}/widgets.example.com`);
    const conditions =
      (r.body.status as { conditions?: { type: string; status: string; reason: string }[] })
        ?.conditions ?? [];
    return conditions.length > 0 ? conditions : undefined;
  });
  t.deepEqual(
    installing.map((c) => [c.type, c.status, c.reason]),
    [
      ["NamesAccepted", "True", "NoConflicts"],
      ["Established", "False", "Installing"],
    ],
  );
  t.is((await call(s, "GET", "/apis/example.com/v1")).status, 404);
  const create = await call(
    s,
    "POST",
    "/apis/example.com/v1/namespaces/default/widgets",
    widget("w", { size: 1 }),
  );
  t.is(create.status, 404);
});
