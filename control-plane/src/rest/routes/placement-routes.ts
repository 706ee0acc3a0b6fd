import { z } from "zod";
import { CreateEnablerBody, type CreateEnablerInput } from "../../enablers/enabler-schemas.js";
import { PlacementDecisionView } from "../../placement/placement-schemas.js";
import type { PlacementDecision } from "../../placement/scheduler.js";
import { type AnyRoute, defineRoute } from "../route.js";

/** What the placement routes need: a preview of `auto: true` for a `POST /enabler` body. */
export interface PlacementRoutesDeps {
  preview(input: CreateEnablerInput): Promise<PlacementDecision>;
}

/** The `POST /enabler` body; `auto` is implied, so `cluster` is not needed. */
const PreviewBody = z.preprocess(
  (b) => (typeof b === "object" && b !== null && !Array.isArray(b) ? { ...b, auto: true } : b),
  CreateEnablerBody,
);

/** `POST /enabler/placement/preview` (ours). */
export function placementRoutes(deps: PlacementRoutesDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "post",
      path: "/enabler/placement/preview",
      operationId: "previewPlacement",
      summary:
        "Ours: where POST /enabler with auto: true would place this body, and why (every cluster's maxReplicas, score and rank, or rejection); deploys and holds nothing",
      tag: "enablers",
      body: PreviewBody,
      responses: {
        200: {
          description: "The decision (chosen is absent when nothing fits)",
          schema: PlacementDecisionView,
        },
      },
      async handle(ctx, body) {
        ctx.body = await deps.preview(body);
      },
    }),
  ];
}
