import { version } from "@smart-orchestrator/shared";
import { z } from "zod";
import type { AnyRoute } from "./route.js";

/** The problem+json schema every error response uses. */
export const ProblemSchema = z
  .object({
    type: z.string().describe("symbolic error type URI"),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.number().int().describe("the HTTP status, as in the original API"),
    message: z.string().describe("the detail, as in the original API"),
    errors: z.array(z.object({ field: z.string(), reason: z.string() })).optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: "Problem" });

/**
 * Builds the OpenAPI 3.1 document from the route table. OpenAPI 3.1 uses
 * JSON Schema 2020-12, which is what zod emits, so the schemas that validate
 * requests are the ones published.
 */
export function buildOpenApi(routes: readonly AnyRoute[]): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const schemaOf = (schema: z.ZodType, io: "input" | "output") => hoisted(schema, io, components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const headers = (route.headers ?? []).map((h) => ({
      name: h.name,
      in: "header",
      required: false,
      description: h.description,
      schema: schemaOf(h.schema, "input"),
    }));
    const query = (route.query ?? []).map((q) => ({
      name: q.name,
      in: "query",
      required: false,
      description: q.description,
      schema: schemaOf(q.schema, "input"),
    }));
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      const mediaType = spec.mediaType ?? "application/json";
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { [mediaType]: { schema: schemaOf(spec.schema, "output") } } }
          : {}),
      };
    }
    responses.default = {
      description: "Error",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
    paths[path] ??= {};
    paths[path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(route.public ? { security: [] } : {}),
      ...(params.length || headers.length || query.length
        ? { parameters: [...params, ...query, ...headers] }
        : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: schemaOf(route.body, "input") } },
            },
          }
        : {}),
      responses,
    };
  }
  schemaOf(ProblemSchema, "output");
  return {
    openapi: "3.1.0",
    info: {
      title: "Smart Orchestrator API",
      version,
      description:
        "Multi-cluster orchestrator for the edge-to-cloud continuum; compatible with the ASSIST-IoT Smart Orchestrator REST API.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/**
 * Converts a schema and moves its named parts (`.meta({id})`) into
 * `components.schemas`, so each appears once and routes `$ref` it. An input
 * variant that differs from the output one (defaults make fields optional)
 * gets an `Input` suffix.
 */
function hoisted(
  schema: z.ZodType,
  io: "input" | "output",
  components: Record<string, unknown>,
): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  const defs = (json.$defs ?? {}) as Record<string, unknown>;
  delete json.$defs;
  delete json.$schema;
  const names = new Map<string, string>();
  for (const [id, def] of Object.entries(defs)) {
    const existing = components[id];
    const same = existing === undefined || JSON.stringify(existing) === JSON.stringify(def);
    names.set(id, same ? id : `${id}${io === "input" ? "Input" : "Output"}`);
  }
  const relink = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value).replace(
        /"#\/\$defs\/([^"]+)"/g,
        (_, id: string) => `"#/components/schemas/${names.get(id) ?? id}"`,
      ),
    );
  for (const [id, def] of Object.entries(defs)) components[names.get(id) ?? id] = relink(def);
  return relink(json) as Record<string, unknown>;
}
