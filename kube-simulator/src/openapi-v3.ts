/**
 * `/openapi/v3` and `/openapi/v3/<api|apis/group>/<version>`: the documents
 * kubectl reads before `apply` (to learn that the server validates fields
 * itself, `fieldValidation` on each PATCH operation) and for strategic-merge
 * patch metadata. Schemas come from client-node's generated models
 * (model-schemas.ts) and, for custom resources, from their CRD; each kind's
 * schema and operations carry `x-kubernetes-group-version-kind`.
 */
import { createHash } from "node:crypto";
import type { JsonObject } from "./kube-object.js";
import { attributesOf, modelNameFor, type Shape, shapeOf } from "./model-schemas.js";
import { patchExtensions } from "./patch-strategies.js";
import type { ResourceType } from "./resource-registry.js";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function shapeSchema(shape: Shape, need: Set<string>): JsonObject {
  switch (shape.kind) {
    case "model":
      need.add(shape.name);
      return { allOf: [ref(shape.name)], default: {} };
    case "array":
      return { type: "array", items: shapeSchema(shape.of, need) };
    case "map":
      return { type: "object", additionalProperties: shapeSchema(shape.of, need) };
    case "int-or-string":
      return { "x-kubernetes-int-or-string": true };
    case "scalar":
      return shape.type === "date-time"
        ? { type: "string", format: "date-time" }
        : shape.type === "integer"
          ? { type: "integer", format: "int64" }
          : { type: shape.type };
    default:
      return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  }
}

function modelSchema(model: string, need: Set<string>): JsonObject {
  const properties: JsonObject = {};
  for (const a of attributesOf(model) ?? [])
    properties[a.baseName] = {
      ...shapeSchema(shapeOf(a.type, a.format), need),
      ...patchExtensions(model, a.baseName),
    };
  return { type: "object", properties };
}

/** A custom kind's schema and its types, for a CRD's group-version. */
export interface CustomKind {
  readonly type: ResourceType;
  /** The version's `openAPIV3Schema`. */
  readonly schema: JsonObject;
}

const gvk = (t: ResourceType) => ({ group: t.group, version: t.version, kind: t.kind });

function operations(t: ResourceType, schemaName: string): JsonObject {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const collection = t.namespaced
    ? `${base}/namespaces/{namespace}/${t.plural}`
    : `${base}/${t.plural}`;
  const ok = (name: string) => ({
    "200": { description: "OK", content: { "application/json": { schema: ref(name) } } },
  });
  const param = (name: string, where = "query", type = "string") => ({
    name,
    in: where,
    schema: { type, uniqueItems: true },
    ...(where === "path" ? { required: true } : {}),
  });
  const scope = [param("name", "path"), ...(t.namespaced ? [param("namespace", "path")] : [])];
  const write = [param("dryRun"), param("fieldManager"), param("fieldValidation")];
  const op = (action: string, extra: JsonObject = {}) => ({
    tags: [t.group || "core"],
    operationId: `${action}${t.kind}`,
    responses: ok(schemaName),
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk(t),
    ...extra,
  });
  // The request bodies: kubectl's client-side apply reads the PATCH content types to learn
  // whether it may send a strategic merge patch (built-in kinds) or only a merge patch (custom).
  const body = (types: readonly string[], schema: JsonObject) => ({
    requestBody: { content: Object.fromEntries(types.map((type) => [type, { schema }])) },
  });
  const patchTypes = [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    ...(t.schema ? [] : ["application/strategic-merge-patch+json"]),
  ];
  const writeBody = body(["application/json", "application/yaml"], ref(schemaName));
  const patchBody = body(patchTypes, { type: "object" });
  const paths: JsonObject = {};
  if (t.verbs.includes("create") || t.verbs.includes("list")) {
    paths[collection] = {
      ...(t.verbs.includes("list") ? { get: op("list") } : {}),
      ...(t.verbs.includes("create")
        ? { post: op("post", { parameters: write, ...writeBody }) }
        : {}),
      ...(t.namespaced ? { parameters: [param("namespace", "path")] } : {}),
    };
  }
  if (t.verbs.includes("get")) {
    paths[`${collection}/{name}`] = {
      get: op("get"),
      put: op("put", { parameters: write, ...writeBody }),
      patch: op("patch", {
        parameters: [...write, param("force", "query", "boolean")],
        ...patchBody,
      }),
      delete: op("delete", { parameters: [param("dryRun")] }),
      parameters: scope,
    };
  }
  return paths;
}

/** The OpenAPI v3 document for one group-version: its kinds' paths and schemas. */
export function groupVersionDocument(
  kubeVersion: string,
  types: readonly ResourceType[],
  custom: readonly CustomKind[] = [],
): JsonObject {
  const schemas: JsonObject = {};
  const need = new Set<string>();
  let paths: JsonObject = {};
  for (const t of types) {
    const model = modelNameFor(t);
    if (!model || t.computed) continue;
    schemas[model] = { ...modelSchema(model, need), "x-kubernetes-group-version-kind": [gvk(t)] };
    paths = { ...paths, ...operations(t, model) };
  }
  for (const c of custom) {
    const name = `${c.type.group}.${c.type.version}.${c.type.kind}`;
    const props = (c.schema.properties as JsonObject | undefined) ?? {};
    need.add("V1ObjectMeta");
    schemas[name] = {
      ...c.schema,
      type: "object",
      properties: {
        ...props,
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { allOf: [ref("V1ObjectMeta")], default: {} },
      },
      "x-kubernetes-group-version-kind": [gvk(c.type)],
    };
    paths = { ...paths, ...operations(c.type, name) };
  }
  // Every model a kind reaches, transitively.
  const done = new Set(Object.keys(schemas));
  for (const model of need) {
    if (done.has(model)) continue;
    done.add(model);
    schemas[model] = modelSchema(model, need);
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: kubeVersion },
    paths,
    components: { schemas },
  };
}

/** A document's hash, for the root's `serverRelativeURL` (clients cache by it). */
export function documentHash(doc: unknown): string {
  return createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
}

/** `/openapi/v3`: where each group-version's document is. */
export function openApiRoot(hashes: ReadonlyMap<string, string>): JsonObject {
  const paths: JsonObject = {};
  for (const [gv, hash] of hashes)
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  return { paths };
}
