import { z } from "zod";
import { ForceHeader, isForced } from "../../clusters/cluster-schemas.js";
import {
  CodeMessage,
  CreatedEnabler,
  CreateEnablerBody,
  DeletedEnablerView,
  DeletedVolumes,
  EnablerDetailView,
  EnablerView,
  UpgradeEnablerBody,
} from "../../enablers/enabler-schemas.js";
import type { EnablerService } from "../../enablers/enabler-service.js";
import { parseGoDuration } from "../../enablers/go-duration.js";
import type { VolumeService } from "../../enablers/volume-service.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { parseWith } from "../validate.js";

/** What the enabler routes need. */
export interface EnablerRoutesDeps {
  readonly enablers: EnablerService;
  readonly volumes: VolumeService;
  /** The request's arrival time (injected clock). */
  readonly now: () => Date;
}

const tag = "enablers";

/** `Timeout` header of `DELETE /enabler/:id`: a Go duration or whole seconds; 30s by default. */
const TimeoutHeader = z
  .string()
  .refine(
    (s) => /^\d{1,5}$/.test(s) || (parseGoDuration(s) ?? Number.POSITIVE_INFINITY) <= 3_600_000,
    'must be a duration such as "30s" (at most 1h) or whole seconds',
  )
  .optional();

/** The `Force` and `Timeout` headers of a DELETE (case-insensitive values; 30 s by default). */
function forceAndWait(ctx: { get(name: string): string }): { force: boolean; waitMs: number } {
  const force = parseWith(ForceHeader, ctx.get("force") || undefined, "header Force");
  const timeout = parseWith(TimeoutHeader, ctx.get("timeout") || undefined, "header Timeout");
  const waitMs = !timeout
    ? 30_000
    : /^\d+$/.test(timeout)
      ? Number(timeout) * 1000
      : (parseGoDuration(timeout) ?? 30_000);
  return { force: force !== undefined && isForced(force), waitMs };
}

/** The documented `Force` and `Timeout` headers; `force` says what Force does on this route. */
function forceAndTimeout(force: string) {
  return [
    { name: "Force", description: force, schema: ForceHeader },
    {
      name: "Timeout",
      description: 'how long to wait for the cluster (Go duration or seconds; default "30s")',
      schema: TimeoutHeader,
    },
  ];
}

/** `/enabler` routes: the original enabler API, plus the detail view. */
export function enablerRoutes({ enablers, volumes, now }: EnablerRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/enabler",
      operationId: "listEnablers",
      summary: "List enablers with their status",
      tag,
      responses: { 200: { description: "All enablers", schema: z.array(EnablerView) } },
      async handle(ctx) {
        ctx.body = await enablers.list();
      },
    }),
    defineRoute({
      method: "get",
      path: "/enabler/cluster/:cluster",
      operationId: "listClusterEnablers",
      summary: "List the enablers of one cluster (by id or name)",
      tag,
      responses: { 200: { description: "The cluster's enablers", schema: z.array(EnablerView) } },
      async handle(ctx) {
        ctx.body = await enablers.listForCluster(String(ctx.params.cluster));
      },
    }),
    defineRoute({
      method: "get",
      path: "/enabler/:id",
      operationId: "getEnabler",
      summary:
        "Ours: one enabler with its status and reason, revisions, objects, progress, status moves, the cluster's last confirmation and last drift repair; for an enabler deleted in the last 7 days, its tombstone (status Deleted)",
      tag,
      responses: {
        200: {
          description: "The enabler, or its tombstone",
          schema: z.union([EnablerDetailView, DeletedEnablerView]),
        },
      },
      async handle(ctx) {
        ctx.body = await enablers.getAny(String(ctx.params.id));
      },
    }),
    defineRoute({
      method: "post",
      path: "/enabler",
      operationId: "createEnabler",
      summary:
        "Deploy a Helm chart (or, ours, raw manifests) to a cluster; validated and rendered before the answer, applied in the background",
      tag,
      body: CreateEnablerBody,
      responses: {
        201: { description: "Stored; the deploy runs in the background", schema: CreatedEnabler },
      },
      async handle(ctx, body) {
        const receivedAt = now();
        ctx.body = await enablers.create(body, receivedAt);
        ctx.status = 201;
      },
    }),
    defineRoute({
      method: "post",
      path: "/enabler/upgrade/:id",
      operationId: "upgradeEnabler",
      summary:
        "New revision: values given replace the previous values, values omitted keep them; version may be a range (pinned)",
      tag,
      body: UpgradeEnablerBody,
      responses: { 200: { description: "Upgrade started", schema: EnablerDetailView } },
      async handle(ctx, body) {
        ctx.body = await enablers.upgrade(String(ctx.params.id), body);
      },
    }),
    defineRoute({
      method: "delete",
      path: "/enabler/:id",
      operationId: "deleteEnabler",
      summary: "Remove every object of the enabler from its cluster",
      tag,
      headers: forceAndTimeout(
        "true: drop the record at once, even when the cluster is unreachable; the delete stays queued for its next connection",
      ),
      responses: {
        200: { description: "Deleted", schema: CodeMessage },
        202: { description: "Still deleting (status Deleting)", schema: CodeMessage },
      },
      async handle(ctx) {
        const outcome = await enablers.delete(String(ctx.params.id), forceAndWait(ctx));
        ctx.status = outcome.done ? 200 : 202;
        ctx.body = { code: ctx.status, message: outcome.message };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/enabler/volumes/:id",
      operationId: "deleteEnablerVolumes",
      summary:
        "Delete the enabler's volumes: claims labelled with the release or made by its StatefulSets, and the volumes bound to them (Retain ones included); also for an enabler deleted in the last 7 days. 409 while its workloads run (unless Force: true), while another operation is in flight, or while its cluster is not connected (nothing is queued then)",
      tag,
      headers: forceAndTimeout("true: delete even while the release's workloads still run"),
      responses: {
        200: {
          description: "Deleted; `deleted` names each claim and volume",
          schema: DeletedVolumes,
        },
        202: {
          description: "Still deleting; GET /enabler/:id shows the outcome under `volumes`",
          schema: DeletedVolumes,
        },
      },
      async handle(ctx) {
        const outcome = await volumes.delete(String(ctx.params.id), forceAndWait(ctx));
        ctx.status = outcome.done ? 200 : 202;
        ctx.body = { code: ctx.status, message: outcome.message, deleted: [...outcome.deleted] };
      },
    }),
  ];
}
