import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/** The original enabler's placement policies (DESIGN section 5). */
export const placementPolicies = ["worst-fit", "best-fit", "traffic-most"] as const;

/** One of {@link placementPolicies}. */
export type PlacementPolicy = (typeof placementPolicies)[number];

/** What the original code does when no policy is given. */
export const defaultPlacementPolicy: PlacementPolicy = "traffic-most";

/** Parses a policy name; throws `AppError(invalid_argument)` naming `field` otherwise. */
export function parsePlacementPolicy(value: string, field = "placementPolicy"): PlacementPolicy {
  if ((placementPolicies as readonly string[]).includes(value)) return value as PlacementPolicy;
  throw new AppError(
    ErrorCode.InvalidArgument,
    `${field} must be one of ${placementPolicies.join(", ")}, got "${value}"`,
    { fields: [{ field, reason: `must be one of ${placementPolicies.join(", ")}` }] },
  );
}

/**
 * The order actually used, and what its score means. A policy orders
 * clusters by a whole-number key, smaller first, and clusters with equal
 * keys by name: whole numbers can be radix-sorted, in time that grows with
 * the fleet and not faster (candidate-order.ts).
 */
export interface Ranking {
  readonly order: PlacementPolicy;
  readonly scoreMeaning: string;
  /** The figure shown as the candidate's score; undefined when it has none (no traffic figure). */
  score(maxReplicas: number, traffic: number | null): number | undefined;
  /**
   * The cluster's key, a whole number below `2 * limit`. Figures are
   * clamped below `limit` (2^52 from the scheduler), so they stay exact.
   */
  key(maxReplicas: number, traffic: number | null, limit: number): number;
}

/** A figure as a whole number in [0, limit). */
function clamp(x: number, limit: number): number {
  return x > 0 ? Math.min(limit - 1, Math.round(x)) : 0;
}

const worstFit: Ranking = {
  order: "worst-fit",
  scoreMeaning: "maxReplicas, largest first (spread)",
  score: (maxReplicas) => maxReplicas,
  key: (maxReplicas, _, limit) => limit - 1 - clamp(maxReplicas, limit),
};

const bestFit: Ranking = {
  order: "best-fit",
  scoreMeaning: "maxReplicas, smallest first (pack)",
  score: (maxReplicas) => maxReplicas,
  key: (maxReplicas, _, limit) => clamp(maxReplicas, limit),
};

const trafficMost: Ranking = {
  order: "traffic-most",
  scoreMeaning:
    "network receive rate in bytes/s, highest first; clusters without a rate follow in worst-fit order",
  score: (_, traffic) => (traffic === null ? undefined : Math.round(traffic)),
  // Ranked by the score shown (the rate in whole bytes/s), so equal scores go by name.
  key: (maxReplicas, traffic, limit) =>
    traffic === null
      ? limit + worstFit.key(maxReplicas, null, limit)
      : limit - 1 - clamp(traffic, limit),
};

/**
 * The ranking for a policy. traffic-most when none of the ranked clusters
 * has a traffic figure is worst-fit, as the explanation then says.
 */
export function rankingFor(policy: PlacementPolicy, anyTraffic: boolean): Ranking {
  if (policy === "worst-fit") return worstFit;
  if (policy === "best-fit") return bestFit;
  return anyTraffic ? trafficMost : worstFit;
}
