import type { Logger } from "@smart-orchestrator/shared";
import type { ControlPlaneConfig } from "../config.js";
import type { ClusterChooser } from "../enablers/enabler-ports.js";
import type { CreateEnablerInput } from "../enablers/enabler-schemas.js";
import type { ReleaseSource } from "../enablers/release-builder.js";
import { sourceOf } from "../enablers/release-builder.js";
import { ClusterForecasts, type UsagePoints } from "./cluster-forecasts.js";
import { EnablerPlacement, type PlacementFleet } from "./enabler-placement.js";
import { FleetTables } from "./node-table.js";
import { Reservations } from "./reservations.js";
import { type PlacementDecision, Scheduler } from "./scheduler.js";

/** What the placement module is built from. */
export interface CreatePlacementOptions {
  readonly config: Pick<
    ControlPlaneConfig,
    "placementPolicy" | "predictive" | "forecastHorizonMs" | "placementDefaultRequests"
  >;
  readonly history: UsagePoints;
  readonly fleet: PlacementFleet;
  /** Renders a release with default capabilities (no cluster version) and resolves with its objects. */
  readonly render: (
    source: ReleaseSource,
    name: string,
    namespace: string,
  ) => Promise<readonly unknown[]>;
  readonly now: () => Date;
  readonly log: Logger;
}

/** The placement module as the composition root wires it. */
export interface Placement {
  /** Plugs into the enablers for `auto: true`. */
  readonly chooser: ClusterChooser;
  /** `POST /enabler/placement/preview`. */
  preview(input: CreateEnablerInput): Promise<PlacementDecision>;
  /** A report of a cluster arrived (holds it shows are let go). */
  reported(clusterId: string, at: Date): void;
  /** A 5-minute history point of a cluster was stored (its forecast is recomputed). */
  pointStored(clusterId: string): void;
  /** An enabler's command ended. */
  settled(enablerId: string): void;
  /** A cluster was deleted. */
  forget(clusterId: string): void;
  /** Waits for queued forecast refreshes (tests, shutdown). */
  settledForecasts(): Promise<void>;
}

/** Builds reservations, forecasts, the scheduler and the enabler adapter. */
export function createPlacement(o: CreatePlacementOptions): Placement {
  const reservations = new Reservations();
  const forecasts = new ClusterForecasts({
    history: o.history,
    horizonMs: o.config.forecastHorizonMs,
    now: o.now,
    log: o.log.child({ component: "forecasts" }),
  });
  const scheduler = new Scheduler({ reservations, forecasts, now: () => o.now().getTime() });
  const tables = new FleetTables();
  const placement = new EnablerPlacement<ReleaseSource>({
    scheduler,
    tables,
    reservations,
    fleet: o.fleet,
    render: o.render,
    defaults: {
      policy: o.config.placementPolicy,
      predictive: o.config.predictive,
      requests: o.config.placementDefaultRequests,
    },
    now: o.now,
  });
  return {
    chooser: {
      async choose(req) {
        const { cluster, decision } = await placement.choose(req.id, req);
        // The enablers keep the decision as an opaque document; its shape is PlacementDecisionView.
        return { cluster, placement: decision as unknown as Readonly<Record<string, unknown>> };
      },
      abandon: (id) => placement.abandon(id),
    },
    preview: (input) =>
      placement.preview({
        name: input.name,
        namespace: input.namespace,
        ...(policyOf(input) ? { policy: policyOf(input) } : {}),
        ...(input.predictive !== undefined ? { predictive: input.predictive } : {}),
        source: sourceOf(input.helmChart, input.manifests, input.version, input.values ?? {}),
      }),
    reported(clusterId, at) {
      reservations.reported(clusterId, at.getTime());
      // Lay the new report's nodes out now, so decisions do not pay for it.
      const nodes = o.fleet.nodes(clusterId);
      if (nodes) tables.of(clusterId, nodes);
    },
    pointStored: (clusterId) => forecasts.pointStored(clusterId),
    settled: (enablerId) => placement.settled(enablerId),
    forget(clusterId) {
      forecasts.forget(clusterId);
      tables.forget(clusterId);
    },
    settledForecasts: () => forecasts.settled(),
  };
}

function policyOf(input: CreateEnablerInput): string | undefined {
  return input.placementPolicy ?? input.placement_policy ?? input.PlacementPolicy;
}
