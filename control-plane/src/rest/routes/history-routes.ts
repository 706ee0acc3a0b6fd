import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import type { ClusterService } from "../../clusters/cluster-service.js";
import { HistoryQuery, HistoryView, toHistoryPointView } from "../../history/history-schemas.js";
import { bucketMs, retentionMs } from "../../history/usage-buckets.js";
import type { UsageHistory } from "../../history/usage-history.js";
import { type AnyRoute, defineRoute } from "../route.js";
import { parseWith } from "../validate.js";

/** What the history routes need. */
export interface HistoryRoutesDeps {
  readonly clusters: ClusterService;
  readonly history: UsageHistory;
  readonly now: () => Date;
}

const dayMs = 24 * 60 * 60_000;

/** `GET /clusters/:id/history`: the 5-minute usage points the forecaster reads. */
export function historyRoutes({ clusters, history, now }: HistoryRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/clusters/:id/history",
      operationId: "getClusterHistory",
      summary:
        "5-minute points of free CPU, free memory and receive traffic (kept 14 days; ?from&to ISO 8601)",
      tag: "clusters",
      responses: { 200: { description: "Points, oldest first", schema: HistoryView } },
      async handle(ctx) {
        const id = String(ctx.params.id);
        const query = parseWith(HistoryQuery, { ...ctx.query }, "query");
        const to = query.to ? new Date(query.to) : now();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - dayMs);
        if (from.getTime() >= to.getTime()) {
          throw new AppError(ErrorCode.InvalidArgument, "query: from must be before to", {
            fields: [{ field: "from", reason: "must be before to" }],
          });
        }
        if (to.getTime() - from.getTime() > retentionMs + dayMs) {
          throw new AppError(
            ErrorCode.InvalidArgument,
            "query: the range exceeds the 14-day retention",
            {
              fields: [{ field: "from", reason: "at most 15 days before to" }],
            },
          );
        }
        await clusters.get(id);
        const points = await history.points(id, from, to);
        ctx.body = {
          clusterId: id,
          from: from.toISOString(),
          to: to.toISOString(),
          stepSeconds: bucketMs / 1000,
          points: points.map(toHistoryPointView),
        };
      },
    }),
  ];
}
