import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/**
 * Checks both store backends apply before anything reaches SQL or a MongoDB
 * query, so that the two accept exactly the same inputs and neither can be
 * handed an operator or an injected name.
 */

const collectionPattern = /^[a-z][a-z0-9_-]{0,62}$/;
const fieldPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `name` is a lower-case collection name (letter first, then `a-z0-9_-`, ≤ 63). */
export function checkCollectionName(name: string): string {
  if (typeof name !== "string" || !collectionPattern.test(name)) {
    throw new AppError(ErrorCode.InvalidArgument, `invalid collection name "${String(name)}"`);
  }
  return name;
}

/** Throws unless `field` is a plain top-level field name: no dots, no `$`, no brackets. */
export function checkFieldName(field: string): string {
  if (typeof field !== "string" || !fieldPattern.test(field)) {
    throw new AppError(ErrorCode.InvalidArgument, `invalid field name "${String(field)}"`);
  }
  return field;
}

/** A filter value a backend may compare by equality. `null` matches a missing field. */
export type ScalarValue = string | number | boolean | null;

/**
 * The filter's defined entries, each with a checked field name and a scalar
 * value. Objects and arrays are refused: in MongoDB they would be operators
 * (`{ $ne: null }`) or whole-array matches SQLite cannot express.
 */
export function checkFilter(filter: object): [string, ScalarValue][] {
  const entries: [string, ScalarValue][] = [];
  for (const [field, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    checkFieldName(field);
    const ok =
      value === null ||
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (!ok) {
      throw new AppError(
        ErrorCode.InvalidArgument,
        `filter on ${field} must be a string, finite number, boolean or null`,
      );
    }
    entries.push([field, value as ScalarValue]);
  }
  return entries;
}

/**
 * The row limit to apply: undefined for none, else a whole number ≥ 0.
 * Zero and negative limits mean "no rows" on both backends (MongoDB would
 * read 0 as "no limit" and a negative one as a single batch).
 */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== "number" || Number.isNaN(limit)) {
    throw new AppError(ErrorCode.InvalidArgument, `limit must be a number, got ${String(limit)}`);
  }
  if (limit === Number.POSITIVE_INFINITY) return undefined;
  return Math.max(0, Math.floor(limit));
}

/**
 * The document as both backends store it: top-level `null` and `undefined`
 * fields dropped. SQLite's `json_extract` cannot tell a stored null from a
 * missing field, so neither backend keeps one; a top-level null therefore
 * reads back as a missing field everywhere, and unique indexes skip it alike.
 */
export function withoutTopLevelNulls<D extends object>(doc: D): D {
  return Object.fromEntries(
    Object.entries(doc).filter(([, v]) => v !== null && v !== undefined),
  ) as D;
}
