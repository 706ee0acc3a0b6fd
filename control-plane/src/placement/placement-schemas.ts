import { z } from "zod";
import { placementPolicies } from "./policies.js";

const ours = { "x-ours": true } as const;

const Forecast = z.object({
  cpuUsedP90Millis: z.number().describe("peak over the horizon of the p90 of CPU in use"),
  memoryUsedP90Bytes: z.number().describe("peak over the horizon of the p90 of memory in use"),
  rxMeanBytesPerSecond: z.number().nullable().describe("mean forecast receive rate"),
  horizonMs: z.number(),
});

const Candidate = z.object({
  clusterId: z.string(),
  name: z.string(),
  cloud: z.boolean(),
  outcome: z.enum(["chosen", "fits", "rejected"]),
  maxReplicas: z
    .number()
    .optional()
    .describe("Σ over eligible nodes of the pods that fit (DESIGN 5)"),
  score: z.number().optional().describe("what the policy ranks by; see scoreMeaning"),
  rank: z.number().int().optional().describe("1 = chosen; edge clusters rank before the cloud"),
  rejection: z
    .object({
      code: z.enum([
        "disconnected",
        "no-report",
        "no-eligible-node",
        "pod-too-large",
        "insufficient-capacity",
        "not-together",
        "forecast-insufficient",
      ]),
      reason: z.string(),
    })
    .optional(),
  forecast: Forecast.optional(),
});

/** A placement decision and its explanation, as stored with the enabler. */
export const PlacementDecisionView = z
  .object({
    policy: z.enum(placementPolicies),
    order: z
      .enum(placementPolicies)
      .describe("traffic-most without traffic data ranks as worst-fit"),
    scoreMeaning: z.string(),
    predictive: z.boolean(),
    decidedAt: z.string(),
    chosen: z.object({ clusterId: z.string(), name: z.string() }).optional(),
    cloudFallback: z.boolean(),
    candidates: z.array(Candidate).describe("ranked candidates first, then the rejected by name"),
  })
  .meta({ id: "PlacementDecision", ...ours });
