import { randomUUID } from "node:crypto";
import Router from "@koa/router";
import type { Logger } from "@smart-orchestrator/shared";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import Koa, { type Context } from "koa";
import type { TokenVerifier } from "./auth.js";
import { readJsonBody } from "./body.js";
import type { HttpMetrics } from "./http-metrics.js";
import { toProblem } from "./problem.js";
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
  const router = new Router();

  app.use(async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const requestId = /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = deps.log.child({ requestId });
    ctx.set("x-request-id", requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
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
  app.use(router.allowedMethods({ throw: true }));
  return app;
}

function writeProblem(ctx: Context, err: unknown): void {
  const httpStatus = (err as { status?: unknown }).status;
  // koa-router's allowedMethods throws http-errors (405/501); keep their status.
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
