import { randomUUID } from "node:crypto";
import Router from "@koa/router";
import type { Logger } from "@smart-orchestrator/shared";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import Koa, { type Context } from "koa";
import type { TokenVerifier } from "./auth.js";
import { readJsonBody } from "./body.js";
import type { HttpMetrics } from "./http-metrics.js";
import { methodProblem, toProblem } from "./problem.js";
import type { AnyRoute } from "./route.js";
import { parseWith } from "./validate.js";

/** What the koa app is built from. */
export interface HttpAppDeps {
  readonly routes: readonly AnyRoute[];
  readonly auth: TokenVerifier;
  readonly log: Logger;
  readonly bodyLimit: number;
  readonly metrics: HttpMetrics;
}

declare module "koa" {
  interface DefaultState {
    requestId: string;
    log: Logger;
  }
}

/**
 * Builds the koa application: request id and logging, problem+json errors,
 * bearer auth on non-public routes, body parsing and validation, then the route.
 */
export function createHttpApp(deps: HttpAppDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  // TRACE is listed so that it gets a 405 with Allow on our paths; methods
  // outside this list (PROPFIND, PURGE, ...) get 501. Neither reaches a route.
  const router = new Router({ methods: [...knownMethods] });

  app.use(async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const requestId = /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = deps.log.child({ requestId });
    ctx.set("x-request-id", requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        writeMethodProblem(ctx);
      } else if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(ErrorCode.NotFound, `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      writeProblem(ctx, err);
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? "unmatched";
      deps.metrics.observe(ctx.method, String(route), ctx.status, seconds);
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 1000) },
        "request",
      );
    }
  });

  for (const route of deps.routes) {
    router[route.method](route.path, async (ctx) => {
      if (!route.public) deps.auth.verify(ctx.get("authorization") || undefined);
      const raw = await readJsonBody(ctx, deps.bodyLimit);
      let body: unknown;
      if (route.body) {
        if (raw === undefined) {
          throw new AppError(ErrorCode.InvalidArgument, "body is required", {
            fields: [{ field: "", reason: "required" }],
          });
        }
        body = parseWith(route.body, raw, "body");
      }
      await route.handle(ctx, body);
    });
  }
  app.use(router.routes());
  // Not thrown: the router then sets `Allow`, which a thrown error would lose.
  app.use(router.allowedMethods());
  return app;
}

/** Methods the router knows; any other is answered 501. */
const knownMethods = ["HEAD", "OPTIONS", "GET", "PUT", "PATCH", "POST", "DELETE", "TRACE"] as const;

/** A 405 or 501 from the router as problem+json; the router has set `Allow`. */
function writeMethodProblem(ctx: Context): void {
  const status = ctx.status;
  ctx.body = methodProblem(status, ctx.method, ctx.response.get("allow"), {
    path: ctx.path,
    requestId: ctx.state.requestId,
  });
  ctx.status = status;
  ctx.type = "application/problem+json";
}

function writeProblem(ctx: Context, err: unknown): void {
  const httpStatus = (err as { status?: unknown }).status;
  // http-errors thrown by koa or a middleware (4xx): keep their status.
  const mapped =
    typeof httpStatus === "number" && !(err instanceof AppError) && httpStatus < 500
      ? {
          ...toProblem(new AppError(ErrorCode.InvalidArgument, (err as Error).message)),
          status: httpStatus,
          code: httpStatus,
        }
      : toProblem(err, { path: ctx.path, requestId: ctx.state.requestId });
  if (mapped.status >= 500) ctx.state.log.error({ err }, "request failed");
  else if (mapped.status === 401) ctx.set("www-authenticate", 'Bearer realm="smart-orchestrator"');
  ctx.status = mapped.status;
  ctx.type = "application/problem+json";
  ctx.body = mapped;
}
