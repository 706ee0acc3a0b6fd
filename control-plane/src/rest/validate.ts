import { AppError, ErrorCode, type FieldError } from "@smart-orchestrator/shared";
import type { z } from "zod";

/**
 * Parses `input` with a schema, or throws `invalid_argument` listing every
 * failing field with its reason. `where` prefixes the message ("body", "header Force").
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldError[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        fields.push({ field: base ? `${base}.${key}` : key, reason: "unknown field" });
      }
    } else {
      fields.push({ field: base, reason: issue.message });
    }
  }
  const first = fields[0];
  const summary = first
    ? `${where}: ${first.field || "(root)"}: ${first.reason}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ""}`
    : `${where} is invalid`;
  throw new AppError(ErrorCode.InvalidArgument, summary, { fields });
}
