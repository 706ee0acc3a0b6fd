import { readFileSync } from "node:fs";
import test from "ava";
import { parse } from "yaml";
import { helmFixture } from "../testing/helm-repo-server.js";
import { effectiveValues, mergeValues, validateValues } from "./values.js";

test("maps deep-merge, lists replace, null deletes, inputs stay untouched", (t) => {
  const defaults = {
    image: { repository: "nginx", tag: "1.0", pullPolicy: "IfNotPresent" },
    ports: [80, 443],
    resources: { limits: { cpu: "1" } },
    ingress: { enabled: false, hosts: ["a"] },
    keep: "me",
  };
  const user = {
    image: { tag: "2.0" },
    ports: [8080],
    resources: { limits: null },
    ingress: null,
    extra: { a: 1, gone: null },
  };
  const before = JSON.stringify(defaults);
  t.deepEqual(mergeValues(defaults, user), {
    image: { repository: "nginx", tag: "2.0", pullPolicy: "IfNotPresent" },
    ports: [8080],
    resources: {},
    keep: "me",
    extra: { a: 1 },
  });
  t.is(JSON.stringify(defaults), before);
  t.deepEqual(mergeValues({ a: { b: 1 } }, { a: "scalar" }), { a: "scalar" });
  t.deepEqual(mergeValues({ a: "scalar" }, { a: { b: 1 } }), { a: { b: 1 } });
});

const schema = JSON.parse(
  readFileSync(helmFixture("charts", "alertmanager", "values.schema.json"), "utf8"),
) as Record<string, unknown>;
const defaults = parse(
  readFileSync(helmFixture("charts", "alertmanager", "values.yaml"), "utf8"),
) as Record<string, unknown>;

test("the real alertmanager defaults pass their own schema", (t) => {
  t.notThrows(() => effectiveValues({ defaults, schema }, { replicaCount: 3 }));
});

test("an invalid value is invalid_argument naming the path", (t) => {
  const err = t.throws(() =>
    effectiveValues({ defaults, schema }, { replicaCount: "three", image: { repository: 5 } }),
  );
  t.is((err as { code?: string }).code, "invalid_argument");
  const fields = (err as unknown as { fields: Array<{ field: string; reason: string }> }).fields;
  t.truthy(fields.find((f) => f.field === "values.replicaCount" && /integer/.test(f.reason)));
  t.truthy(fields.find((f) => f.field === "values.image.repository" && /string/.test(f.reason)));
  t.regex(err?.message ?? "", /values\.(replicaCount|image\.repository)/);
});

test("unknown keys under additionalProperties:false and missing required keys are named", (t) => {
  const err = t.throws(() =>
    effectiveValues({ defaults, schema }, { image: { repository: "x", typo: 1 }, config: null }),
  );
  const fields = (err as unknown as { fields: Array<{ field: string }> }).fields.map(
    (f) => f.field,
  );
  t.true(fields.includes("values.image.typo"), JSON.stringify(fields));
  t.true(fields.includes("values.config"), JSON.stringify(fields));
});

test("schemas with other $schema drafts still validate", (t) => {
  const s = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { n: { type: "number" } },
  };
  t.notThrows(() => validateValues({ n: 1 }, s));
  t.throws(() => validateValues({ n: "x" }, s), { message: /values\.n: must be number/ });
});
