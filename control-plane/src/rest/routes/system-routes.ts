import { compatibleApiVersion, version } from "@smart-orchestrator/shared";
import type { Registry } from "prom-client";
import { z } from "zod";
import type { Store } from "../../store/store.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** What the system routes need. */
export interface SystemRoutesDeps {
  readonly store: Store;
  readonly registry: Registry;
  /** All routes, for `/api-export`; read lazily so these routes are included. */
  readonly openApi: () => Record<string, unknown>;
}

const tag = "system";
const Health = z.object({ status: z.string() }).meta({ id: "Health" });
const Version = z
  .object({ version: z.string(), apiCompatibility: z.string() })
  .meta({ id: "Version" });

/** Health, readiness, version, metrics and the OpenAPI export. */
export function systemRoutes({ store, registry, openApi }: SystemRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      operationId: "healthz",
      summary: "Liveness: the process serves requests",
      tag,
      public: true,
      responses: { 200: { description: "Alive", schema: Health } },
      async handle(ctx) {
        ctx.body = { status: "ok" };
      },
    }),
    defineRoute({
      method: "get",
      path: "/readyz",
      operationId: "readyz",
      summary: "Readiness: the store answers",
      tag,
      public: true,
      responses: {
        200: { description: "Ready", schema: Health },
        503: { description: "The store does not answer" },
      },
      async handle(ctx) {
        try {
          await store.ping();
          ctx.body = { status: "ok", store: store.kind };
        } catch (err) {
          ctx.state.log.warn({ err }, "store ping failed");
          ctx.status = 503;
          ctx.type = "application/problem+json";
          ctx.body = {
            type: "urn:smart-orchestrator:problem:unavailable",
            title: "Unavailable",
            status: 503,
            detail: `the ${store.kind} store does not answer`,
            code: 503,
            message: `the ${store.kind} store does not answer`,
          };
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/version",
      operationId: "version",
      summary: "Server version",
      tag,
      public: true,
      responses: { 200: { description: "Version", schema: Version } },
      async handle(ctx) {
        ctx.body = { version, apiCompatibility: compatibleApiVersion };
      },
    }),
    defineRoute({
      method: "get",
      path: "/api-export",
      operationId: "apiExport",
      summary: "OpenAPI 3.1 document of this API",
      tag,
      public: true,
      responses: { 200: { description: "OpenAPI document" } },
      async handle(ctx) {
        ctx.body = openApi();
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics",
      tag,
      responses: { 200: { description: "Prometheus text format", mediaType: "text/plain" } },
      async handle(ctx) {
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      },
    }),
  ];
}
