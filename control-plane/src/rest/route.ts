import type { Context } from "koa";
import type { z } from "zod";

/** A documented response of a route. */
export interface ResponseSpec {
  readonly description: string;
  /** Body schema; omitted for empty or non-JSON bodies. */
  readonly schema?: z.ZodType;
  /** Media type when not JSON, e.g. `text/plain`. */
  readonly mediaType?: string;
}

/** A documented request header or query parameter. */
export interface HeaderSpec {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType;
}

/**
 * One REST operation: how it is routed, how its input is validated and how
 * it is documented. The same object drives the router and `/api-export`, so
 * the OpenAPI document cannot drift from what the server accepts.
 */
export interface Route<S extends z.ZodType | undefined = z.ZodType | undefined> {
  readonly method: "get" | "post" | "put" | "delete";
  /** koa-style path, e.g. `/clusters/:id`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /** No bearer token needed. */
  readonly public?: boolean;
  /** Request body schema; the body is required when set. */
  readonly body?: S;
  readonly headers?: readonly HeaderSpec[];
  /** Query parameters, for the OpenAPI document; the handler parses them. */
  readonly query?: readonly HeaderSpec[];
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /** Sets `ctx.status` and `ctx.body`. `body` is the validated request body. */
  handle(ctx: Context, body: S extends z.ZodType ? z.output<S> : undefined): Promise<void>;
}

/** Identity function that infers the body type of a route from its schema. */
export function defineRoute<S extends z.ZodType | undefined = undefined>(
  route: Route<S>,
): Route<S> {
  return route;
}

/** Any route, with its body type erased, as routers and the OpenAPI builder see it. */
// biome-ignore lint/suspicious/noExplicitAny: the body type is checked inside defineRoute.
export type AnyRoute = Route<any>;
