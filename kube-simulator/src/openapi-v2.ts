/**
 * `/openapi/v2`: the Swagger 2.0 document older clients read, and kubectl
 * when a server has no OpenAPI v3 (`kubectl explain --output
 * plaintext-openapiv2` always). Built from the same per-group-version
 * OpenAPI v3 documents (openapi-v3.ts), so built-in kinds come from
 * client-node's models and custom kinds from their CRDs; nothing per kind.
 * As the real server, it drops what Swagger 2.0 cannot say (`anyOf`,
 * `oneOf`, `not`, `nullable`).
 */
import { isObject, type JsonObject } from "./kube-object.js";

const dropped = new Set(["anyOf", "oneOf", "not", "nullable"]);

/** A v3 schema as a v2 one: `#/components/schemas/X` refs become `#/definitions/X`. */
export function toV2Schema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2Schema);
  if (!isObject(schema)) return schema;
  // v3 wraps a nested model's ref as {allOf: [{$ref}], default: {}}; v2 refers to it directly.
  const only =
    Array.isArray(schema.allOf) && schema.allOf.length === 1 ? schema.allOf[0] : undefined;
  if (isObject(only) && typeof only.$ref === "string") {
    const { allOf: _a, default: _d, ...rest } = schema;
    return toV2Schema({ ...rest, $ref: only.$ref });
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (dropped.has(key)) continue;
    if (key === "$ref" && typeof value === "string")
      out[key] = value.replace("#/components/schemas/", "#/definitions/");
    // Enum values and defaults are data, not schemas: copied as they are.
    else if (key === "enum" || key === "default" || key === "example") out[key] = value;
    else out[key] = toV2Schema(value);
  }
  return out;
}

function toV2Parameter(p: unknown): unknown {
  if (!isObject(p)) return p;
  const { schema, ...rest } = p;
  return { ...rest, ...(isObject(schema) ? schema : {}) };
}

function toV2Operation(op: JsonObject): JsonObject {
  const { responses, parameters, requestBody, ...rest } = op;
  const v2Responses: JsonObject = {};
  for (const [code, r] of Object.entries(isObject(responses) ? responses : {})) {
    const schema = isObject(r)
      ? (r.content as JsonObject | undefined)?.["application/json"]
      : undefined;
    v2Responses[code] = {
      description: isObject(r) ? r.description : "OK",
      ...(isObject(schema) ? { schema: toV2Schema(schema.schema) } : {}),
    };
  }
  const params = Array.isArray(parameters) ? parameters.map(toV2Parameter) : [];
  // v2 carries a write's body as a parameter; v3 as a requestBody.
  const content = isObject(requestBody) && isObject(requestBody.content) ? requestBody.content : {};
  const sent = Object.values(content)[0];
  if (isObject(sent))
    params.unshift({ name: "body", in: "body", required: true, schema: toV2Schema(sent.schema) });
  return {
    ...rest,
    consumes: Object.keys(content).length ? Object.keys(content) : ["*/*"],
    produces: ["application/json", "application/yaml"],
    schemes: ["https"],
    ...(params.length ? { parameters: params } : {}),
    responses: v2Responses,
  };
}

/** One Swagger 2.0 document from the group-version v3 documents. */
export function swaggerDocument(
  kubeVersion: string,
  v3Documents: readonly JsonObject[],
): JsonObject {
  const definitions: JsonObject = {};
  const paths: JsonObject = {};
  for (const doc of v3Documents) {
    const schemas = (doc.components as JsonObject | undefined)?.schemas;
    for (const [name, schema] of Object.entries(isObject(schemas) ? schemas : {}))
      definitions[name] = toV2Schema(schema);
    for (const [path, item] of Object.entries(isObject(doc.paths) ? doc.paths : {})) {
      if (!isObject(item)) continue;
      const v2Item: JsonObject = {};
      for (const [method, op] of Object.entries(item)) {
        if (method === "parameters" && Array.isArray(op)) v2Item.parameters = op.map(toV2Parameter);
        else if (isObject(op)) v2Item[method] = toV2Operation(op);
      }
      paths[path] = v2Item;
    }
  }
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: kubeVersion },
    paths,
    definitions,
  };
}
