/**
 * Server-side field validation, as the API server does it for built-in kinds:
 * fields the kind does not have are dropped (pruned), and reported according
 * to `fieldValidation` — Strict refuses the request, Warn (the default)
 * answers with a `Warning` header per field, Ignore says nothing. Paths and
 * messages are the real server's (`unknown field "spec.replicsa"`).
 */
import { ApiStatusError } from "./api-status.js";
import { isObject, type JsonObject } from "./kube-object.js";
import { attributesOf, modelNameFor, type Shape, shapeOf } from "./model-schemas.js";
import type { ResourceType } from "./resource-registry.js";
import { pruneBySchema, schemaErrors } from "./schema-validation.js";

/** The three directives. */
export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** Reads `fieldValidation` (default Warn); anything else is a 400 as on the real server. */
export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get("fieldValidation") ?? "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw new ApiStatusError(
    "BadRequest",
    `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

function pruneValue(value: unknown, shape: Shape, path: string, out: string[]): void {
  if (shape.kind === "model" && isObject(value)) pruneModel(value, shape.name, path, out);
  else if (shape.kind === "array" && Array.isArray(value))
    value.forEach((item, i) => {
      pruneValue(item, shape.of, `${path}[${i}]`, out);
    });
  else if (shape.kind === "map" && isObject(value))
    for (const [k, v] of Object.entries(value)) pruneValue(v, shape.of, `${path}.${k}`, out);
}

function pruneModel(obj: JsonObject, model: string, path: string, out: string[]): void {
  const attributes = attributesOf(model);
  if (!attributes) return;
  for (const key of Object.keys(obj)) {
    const attr = attributes.find((a) => a.baseName === key);
    const at = path ? `${path}.${key}` : key;
    if (!attr) {
      out.push(at);
      delete obj[key];
      continue;
    }
    pruneValue(obj[key], shapeOf(attr.type, attr.format), at, out);
  }
}

/** Drops the fields `model` does not have from `obj` (in place); returns their paths. */
export function pruneUnknownFields(obj: JsonObject, model: string): string[] {
  const out: string[] = [];
  pruneModel(obj, model, "", out);
  return out;
}

/** How a write reports unknown fields: an error for Strict, warnings for Warn. */
export interface UnknownFieldReport {
  readonly warnings: string[];
}

/** `unknown field "a.b", unknown field "c"`: how strict decoding lists them. */
export function unknownFieldList(paths: readonly string[]): string {
  return paths.map((p) => `unknown field "${p}"`).join(", ");
}

/**
 * A custom resource's schema errors as the API server reports them: 422
 * Invalid, `<Kind>.<group> "<name>" is invalid: <field>: <detail>` (several
 * errors in brackets, comma-separated).
 */
function checkCustomSchema(obj: JsonObject, type: ResourceType): void {
  if (!type.schema) return;
  const errors = schemaErrors(obj, type.schema);
  if (errors.length === 0) return;
  const name = isObject(obj.metadata) ? String(obj.metadata.name ?? "") : "";
  const texts = errors.map((e) => `${e.field}: ${e.detail}`);
  const list = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  throw new ApiStatusError("Invalid", `${type.kind}.${type.group} "${name}" is invalid: ${list}`, {
    name,
    group: type.group,
    kind: type.kind,
    causes: errors.map((e) => ({ reason: "FieldValueInvalid", message: e.detail, field: e.field })),
  });
}

/**
 * Prunes and applies the directive; for custom resources then checks the
 * CRD's schema (422). `strictError` builds the Strict refusal from the
 * unknown paths (its wording differs by verb).
 */
export function validateFields(
  obj: JsonObject,
  type: ResourceType,
  directive: FieldValidation,
  strictError: (paths: readonly string[]) => ApiStatusError,
): UnknownFieldReport {
  const model = modelNameFor(type);
  const unknown = type.schema
    ? pruneBySchema(obj, type.schema)
    : model
      ? pruneUnknownFields(obj, model)
      : [];
  let warnings: string[] = [];
  if (unknown.length > 0 && directive === "Strict") throw strictError(unknown);
  if (unknown.length > 0 && directive === "Warn")
    warnings = unknown.map((p) => `unknown field "${p}"`);
  checkCustomSchema(obj, type);
  return { warnings };
}
