/**
 * Validation of custom resources against their CRD's structural
 * `openAPIV3Schema`, as the API server does it: fields the schema does not
 * declare are pruned (unless `x-kubernetes-preserve-unknown-fields`), nulls
 * of non-nullable fields are dropped, and then types, `required` and `enum`
 * are checked, each error in the server's words
 * (`spec.size in body must be of type integer: "string"`). Not covered:
 * formats, patterns, numeric and length bounds, CEL rules and defaults.
 */
import { isObject, type JsonObject } from "./kube-object.js";

/** What a value breaks, with the field path (`spec.size`). */
export interface SchemaError {
  readonly field: string;
  /** The detail after `<field>: `, e.g. `Required value`. */
  readonly detail: string;
}

const rootFields = new Set(["apiVersion", "kind", "metadata"]);

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "object") return "object";
  return typeof value;
}

function typeMatches(schema: JsonObject, value: unknown): boolean {
  if (schema["x-kubernetes-int-or-string"] === true)
    return typeof value === "string" || Number.isInteger(value);
  const want = schema.type;
  if (typeof want !== "string") return true;
  const got = jsonType(value);
  return got === want || (want === "number" && got === "integer");
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Drops undeclared fields and non-nullable nulls in place; returns the dropped fields' paths. */
function prune(
  value: unknown,
  schema: JsonObject,
  path: string,
  out: string[],
  root: boolean,
): void {
  if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((item, i) => {
      prune(item, items, `${path}[${i}]`, out, false);
    });
    return;
  }
  if (!isObject(value)) return;
  const properties = isObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const embedded = root || schema["x-kubernetes-embedded-resource"] === true;
  for (const key of Object.keys(value)) {
    const at = join(path, key);
    const declared = properties?.[key];
    if (value[key] === null && !(isObject(declared) && declared.nullable === true)) {
      delete value[key];
      continue;
    }
    if (isObject(declared)) prune(value[key], declared, at, out, false);
    else if (isObject(additional)) prune(value[key], additional, at, out, false);
    else if (embedded && rootFields.has(key)) continue;
    else if (!preserve && additional !== true && (properties || !isObject(additional))) {
      out.push(at);
      delete value[key];
    }
  }
}

function check(value: unknown, schema: JsonObject, path: string, out: SchemaError[]): void {
  if (!typeMatches(schema, value)) {
    const got = jsonType(value);
    out.push({
      field: path,
      detail: `Invalid value: "${got}": ${path} in body must be of type ${String(schema.type)}: "${got}"`,
    });
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) {
    const allowed = schema.enum.map((e) => JSON.stringify(e)).join(", ");
    out.push({
      field: path,
      detail: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed}`,
    });
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    const items = schema.items;
    value.forEach((item, i) => {
      check(item, items, `${path}[${i}]`, out);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const name of Array.isArray(schema.required) ? schema.required : []) {
    if (typeof name === "string" && !(name in value))
      out.push({ field: join(path, name), detail: "Required value" });
  }
  const properties = isObject(schema.properties) ? schema.properties : {};
  const additional = isObject(schema.additionalProperties)
    ? schema.additionalProperties
    : undefined;
  for (const [key, v] of Object.entries(value)) {
    const declared = properties[key];
    const sub = isObject(declared) ? declared : additional;
    if (sub && !(path === "" && rootFields.has(key))) check(v, sub, join(path, key), out);
  }
}

/** Prunes `obj` (in place) as the API server prunes a custom resource; returns the pruned paths. */
export function pruneBySchema(obj: JsonObject, schema: JsonObject): string[] {
  const out: string[] = [];
  prune(obj, schema, "", out, true);
  return out;
}

/** The schema errors of a (pruned) custom resource, in document order. */
export function schemaErrors(obj: JsonObject, schema: JsonObject): SchemaError[] {
  const out: SchemaError[] = [];
  check(obj, schema, "", out);
  return out;
}
