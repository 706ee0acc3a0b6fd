import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { z } from "zod";

/** Largest page `GET /clusters?limit=` serves. */
export const maxClusterPage = 1000;

/** `limit`: a page size, given as a query string. */
export const PageLimit = z
  .string()
  .regex(/^[0-9]{1,6}$/, `must be a whole number from 1 to ${maxClusterPage}`)
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, `must be a whole number from 1 to ${maxClusterPage}`)
      .max(maxClusterPage, `must be at most ${maxClusterPage}`),
  );

/** `continue`: the opaque token a previous page handed out. */
export const ContinueToken = z.string().min(1).max(512, "is not a token this server issued");

/** What to list: everything (no limit), or a page after a token. */
export interface PageRequest {
  readonly limit?: number | undefined;
  readonly continue?: string | undefined;
}

/** One page and the token for the next, absent on the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly continue?: string;
}

/**
 * The token is the last name served, so a page never repeats or skips a
 * cluster that stays, whatever is added or deleted meanwhile (names are
 * unique and the list is sorted by name). Opaque to clients: base64url JSON
 * with a version, so its form can change.
 */
export function encodeContinue(afterName: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterName })).toString("base64url");
}

/** The name a token continues after; `invalid_argument` naming `continue` when it is not ours. */
export function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown;
    const after = (parsed as { v?: unknown; after?: unknown }).after;
    if ((parsed as { v?: unknown }).v === 1 && typeof after === "string" && after) return after;
  } catch {}
  throw new AppError(ErrorCode.InvalidArgument, "query: continue: not a token this server issued", {
    fields: [{ field: "continue", reason: "is not a token this server issued" }],
  });
}

/** Cuts one page from items sorted by `name`. */
export function pageByName<T extends { readonly name: string }>(
  sorted: readonly T[],
  request: PageRequest,
): Page<T> {
  const after = request.continue === undefined ? undefined : decodeContinue(request.continue);
  const rest = after === undefined ? sorted : sorted.filter((item) => item.name > after);
  if (request.limit === undefined || rest.length <= request.limit) return { items: [...rest] };
  const items = rest.slice(0, request.limit);
  return { items, continue: encodeContinue(items[items.length - 1]?.name ?? "") };
}
