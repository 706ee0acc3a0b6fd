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

/** What a policy ranks a fitting cluster by. */
export interface Rankable {
  readonly name: string;
  readonly clusterId: string;
  readonly maxReplicas: number;
  /** Receive rate (latest, or forecast mean when predictive); null when unknown. */
  readonly traffic: number | null;
}

/** The order actually used, and what its score means. */
export interface Ranking {
  readonly order: PlacementPolicy;
  readonly scoreMeaning: string;
  /** The figure shown as the candidate's score; undefined when it has none (no traffic figure). */
  readonly score: (c: Rankable) => number | undefined;
  readonly compare: (a: Rankable, b: Rankable) => number;
}

const byName = (a: Rankable, b: Rankable) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.clusterId < b.clusterId ? -1 : 1;

const worstFit: Ranking = {
  order: "worst-fit",
  scoreMeaning: "maxReplicas, largest first (spread)",
  score: (c) => c.maxReplicas,
  compare: (a, b) => b.maxReplicas - a.maxReplicas || byName(a, b),
};

const bestFit: Ranking = {
  order: "best-fit",
  scoreMeaning: "maxReplicas, smallest first (pack)",
  score: (c) => c.maxReplicas,
  compare: (a, b) => a.maxReplicas - b.maxReplicas || byName(a, b),
};

const trafficMost: Ranking = {
  order: "traffic-most",
  scoreMeaning:
    "network receive rate in bytes/s, highest first; clusters without a rate follow in worst-fit order",
  score: (c) => (c.traffic === null ? undefined : Math.round(c.traffic)),
  compare: (a, b) => {
    if (a.traffic !== null && b.traffic !== null) return b.traffic - a.traffic || byName(a, b);
    if (a.traffic !== null) return -1;
    if (b.traffic !== null) return 1;
    return worstFit.compare(a, b);
  },
};

/**
 * The ranking for a policy over these fitting clusters. traffic-most with no
 * traffic figure on any of them is worst-fit, as the explanation then says.
 */
export function rankingFor(policy: PlacementPolicy, fitting: readonly Rankable[]): Ranking {
  if (policy === "worst-fit") return worstFit;
  if (policy === "best-fit") return bestFit;
  return fitting.some((c) => c.traffic !== null) ? trafficMost : worstFit;
}
