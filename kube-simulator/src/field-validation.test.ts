// Server-side field validation over HTTP: Strict refuses with the decoder's
// words, Warn (the default) answers with Warning headers, Ignore is silent;
// unknown fields are dropped in every case, as the API server prunes them.
import test from "ava";
import { type SimulatorHandle, startSimulator } from "./simulator.js";

let sim: SimulatorHandle;
test.before(async () => {
  sim = await startSimulator({ cluster: "name=fv,nodes=1", readyDelayMs: 0 });
});
test.after.always(() => sim.close());

const cm = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labelz: { a: "b" } },
  data: { k: "v" },
  datta: { x: "y" },
});

async function post(query: string, body: unknown) {
  const res = await fetch(`${sim.url}/api/v1/namespaces/default/configmaps${query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    warning: res.headers.get("warning"),
    body: (await res.json()) as any,
  };
}

test("Strict refuses unknown fields, naming each path", async (t) => {
  const r = await post("?fieldValidation=Strict", cm("strict"));
  t.is(r.status, 400);
  t.is(r.body.reason, "BadRequest");
  t.is(
    r.body.message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.labelz", unknown field "datta"',
  );
  t.is(sim.get("ConfigMap", "default", "strict"), undefined);
});

test("Warn (the default) stores the object without them and warns per field", async (t) => {
  for (const [name, query] of [
    ["warn", "?fieldValidation=Warn"],
    ["default", ""],
  ] as const) {
    const r = await post(query, cm(name));
    t.is(r.status, 201);
    t.is(
      r.warning,
      '299 - "unknown field \\"metadata.labelz\\"", 299 - "unknown field \\"datta\\""',
    );
    const stored = sim.get("ConfigMap", "default", name)!;
    t.false("datta" in stored);
    t.false("labelz" in stored.metadata);
    t.deepEqual(stored.data, { k: "v" });
  }
});

test("Ignore drops them silently; an unknown directive is a 400", async (t) => {
  const r = await post("?fieldValidation=Ignore", cm("ignore"));
  t.is(r.status, 201);
  t.is(r.warning, null);
  t.false("datta" in sim.get("ConfigMap", "default", "ignore")!);
  const bad = await post("?fieldValidation=Loose", cm("bad"));
  t.is(bad.status, 400);
  t.regex(bad.body.message, /fieldValidation: Unsupported value: "Loose"/);
});

test("server-side apply under Strict names the field as 'not declared in schema'", async (t) => {
  const res = await fetch(
    `${sim.url}/api/v1/namespaces/default/configmaps/ssa?fieldManager=me&fieldValidation=Strict`,
    {
      method: "PATCH",
      headers: { "content-type": "application/apply-patch+yaml" },
      body: JSON.stringify(cm("ssa")),
    },
  );
  t.is(res.status, 400);
  t.regex(
    ((await res.json()) as { message: string }).message,
    /failed to create typed patch object \(default\/ssa; v1, Kind=ConfigMap\): \.metadata\.labelz: field not declared in schema, \.datta: field not declared in schema$/,
  );
});

test("OpenAPI v3: the root lists each group-version; PATCH operations take fieldValidation", async (t) => {
  const root = (await (await fetch(`${sim.url}/openapi/v3`)).json()) as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  t.truthy(root.paths["api/v1"]);
  const apps = root.paths["apis/apps/v1"]!.serverRelativeURL;
  t.regex(apps, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  const doc = (await (await fetch(sim.url + apps)).json()) as any;
  const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  t.deepEqual(item.patch["x-kubernetes-group-version-kind"], {
    group: "apps",
    version: "v1",
    kind: "Deployment",
  });
  t.true(item.patch.parameters.some((p: any) => p.name === "fieldValidation" && p.in === "query"));
  const deployment = doc.components.schemas.V1Deployment;
  t.deepEqual(deployment["x-kubernetes-group-version-kind"], [
    { group: "apps", version: "v1", kind: "Deployment" },
  ]);
  // Reached models are there too, generated from client-node's models.
  t.truthy(doc.components.schemas.V1DeploymentSpec.properties.replicas);
  t.truthy(doc.components.schemas.V1Container.properties.image);
});
