import test from "ava";
import { startTestPlane } from "../../testing/test-plane.js";

test("health, readiness and version need no token", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  for (const path of ["/healthz", "/readyz", "/version", "/api-export"]) {
    const res = await fetch(p.url + path);
    t.is(res.status, 200, path);
  }
  const ready = await (await fetch(`${p.url}/readyz`)).json();
  t.deepEqual(ready, { status: "ok", store: "sqlite" });
  const version = (await (await fetch(`${p.url}/version`)).json()) as { version: string };
  t.regex(version.version, /^\d+\.\d+\.\d+/);
});

test("/metrics needs the token and serves Prometheus text", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  t.is((await fetch(`${p.url}/metrics`)).status, 401);
  await p.api("GET", "/clusters");
  const res = await p.api("GET", "/metrics");
  t.is(res.status, 200);
  t.regex(res.headers.get("content-type") ?? "", /^text\/plain/);
  t.regex(res.body, /so_http_requests_total\{method="GET",route="\/clusters",status="200"\} 1/);
  t.regex(res.body, /so_process_resident_memory_bytes/);
});

test("/api-export is OpenAPI 3.1 built from the validating schemas", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const doc = (await p.api("GET", "/api-export")).body;
  t.is(doc.openapi, "3.1.0");
  const create = doc.paths["/clusters"].post;
  const ref: string = create.requestBody.content["application/json"].schema.$ref;
  t.regex(ref, /^#\/components\/schemas\//);
  const schema = JSON.stringify(doc.components.schemas[ref.split("/").pop() ?? ""]);
  t.true(
    schema.includes("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
    "name pattern comes from the zod schema",
  );
  t.true(
    schema.includes('"additionalProperties":false'),
    "unknown fields are refused in the schema too",
  );
  t.truthy(
    doc.paths["/clusters/{id}"].delete.parameters.find((x: { name: string }) => x.name === "Force"),
  );
  t.deepEqual(doc.paths["/healthz"].get.security, []);
  // Every reference resolves inside the document.
  for (const m of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
    t.truthy(doc.components.schemas[m[1] ?? ""], `dangling $ref ${m[1]}`);
  }
  t.is(doc.paths["/clusters"].get.security, undefined, "inherits the global bearer requirement");
});

test("unknown routes are problem+json 404, wrong methods 405", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const missing = await p.api("GET", "/nowhere");
  t.is(missing.status, 404);
  t.is(missing.body.code, 404);
  const wrong = await p.api("PUT", "/clusters");
  t.is(wrong.status, 405);
  t.is(wrong.body.code, 405);
});

test("SO_AUTH=none accepts requests without a token", async (t) => {
  const p = await startTestPlane({ env: { SO_AUTH: "none" } });
  t.teardown(() => p.close());
  t.is((await fetch(`${p.url}/clusters`)).status, 200);
});

test("a request id is echoed, or made when absent", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  const given = await p.api("GET", "/healthz", { headers: { "x-request-id": "abc-123" } });
  t.is(given.headers.get("x-request-id"), "abc-123");
  const made = await p.api("GET", "/healthz");
  t.regex(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});
