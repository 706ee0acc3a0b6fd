import { z } from "zod";

/**
 * Optional text as clients of the original API send it: a string, `null` or
 * nothing, where `null` and nothing both mean empty. They wrote `null` for
 * optional fields, so refusing it would break them for no safety gain.
 */
export function optionalText(max: number) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => v ?? "");
}

/** `schema`, optional, with `null` taken as absent (output `undefined`). */
export function absentWhenNull<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}
