import { AppError, ErrorCode, type FieldError } from "@smart-orchestrator/shared";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

/** A values tree: what `values.yaml` and a user's `values` hold. */
export type Values = Record<string, unknown>;

/**
 * Merges user values over chart defaults the way Helm coalesces them: maps
 * merge key by key, recursively; any other value (lists included) replaces
 * the default whole; a `null` from the user deletes the key. Neither input
 * is modified.
 */
export function mergeValues(defaults: Values, overrides: Values): Values {
  const out: Values = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) {
      delete out[key];
      continue;
    }
    const base = out[key];
    out[key] = isMap(value) && isMap(base) ? mergeValues(base, value) : stripNulls(value);
  }
  return out;
}

/** A user's null inside a new subtree deletes nothing and means nothing: drop it, as Helm does. */
function stripNulls(value: unknown): unknown {
  if (!isMap(value)) return value;
  const out: Values = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = stripNulls(v);
  return out;
}

function isMap(x: unknown): x is Values {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

// Chart schemas are written loosely (unknown keywords, formats): validate what is there, like Helm.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

/**
 * Validates merged values against a chart's `values.schema.json`. Throws
 * `invalid_argument` whose message and `fields` name each failing path
 * (`values.image.tag`), so the REST edge answers 400 with the paths.
 * `cacheKey` (the archive digest) lets a schema compile once.
 */
export function validateValues(
  values: Values,
  schema: Record<string, unknown>,
  cacheKey?: string,
): void {
  let validate = cacheKey ? compiled.get(cacheKey) : undefined;
  if (!validate) {
    // A draft-2019/2020 $schema that ajv's default class does not know: ignore the marker.
    const { $schema: _ignored, ...rest } = schema;
    try {
      validate = ajv.compile(/draft-0[67]/.test(String(schema.$schema ?? "")) ? schema : rest);
    } catch (err) {
      throw new AppError(
        ErrorCode.InvalidArgument,
        `the chart's values.schema.json cannot be used: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (cacheKey) compiled.set(cacheKey, validate);
  }
  if (validate(values)) return;
  const fields = (validate.errors ?? []).map(toField);
  const first = fields[0];
  throw new AppError(
    ErrorCode.InvalidArgument,
    `values do not match the chart's values.schema.json: ${first?.field}: ${first?.reason}${
      fields.length > 1 ? ` (and ${fields.length - 1} more)` : ""
    }`,
    { fields },
  );
}

function toField(e: ErrorObject): FieldError {
  const path = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  if (e.keyword === "required" && params.missingProperty) path.push(params.missingProperty);
  if (e.keyword === "additionalProperties" && params.additionalProperty) {
    path.push(params.additionalProperty);
    return { field: ["values", ...path].join("."), reason: "is not allowed by the schema" };
  }
  return { field: ["values", ...path].join("."), reason: e.message ?? e.keyword };
}

/**
 * The values a release will run with: user values merged over the chart's
 * defaults, then checked against its schema when it has one.
 */
export function effectiveValues(
  chart: { readonly defaults: Values; readonly schema?: Record<string, unknown> },
  user: Values,
  cacheKey?: string,
): Values {
  const merged = mergeValues(chart.defaults, user);
  if (chart.schema) validateValues(merged, chart.schema, cacheKey);
  return merged;
}
