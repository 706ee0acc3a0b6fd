/**
 * Automatic placement of an enabler (`auto: true`): render the release with
 * default capabilities, read its demand, choose a cluster, and hold the
 * chosen share until a report shows it. The enabler service renders again
 * for the chosen cluster's Kubernetes version.
 */
import type { Node } from "@smart-orchestrator/shared";
import type { NodeTable } from "./node-table.js";
import { type PlacementPolicy, parsePlacementPolicy } from "./policies.js";
import type { Reservations } from "./reservations.js";
import type { CandidateCluster, PlacementDecision, Scheduler } from "./scheduler.js";
import { type DefaultRequests, workloadDemand } from "./workload-demand.js";

/** A cluster as the enablers know it (TargetCluster in the enablers module). */
export interface PlacedCluster {
  readonly id: string;
  readonly name: string;
  readonly kubernetesVersion?: string;
}

/** A cluster record as placement lists it. */
export interface FleetCluster {
  readonly id: string;
  readonly name: string;
  readonly cloud: boolean;
  readonly kubernetesVersion?: string;
}

/** Where the scheduler's view of the fleet comes from (records, sessions, reports, history). */
export interface PlacementFleet {
  list(): Promise<readonly FleetCluster[]>;
  isConnected(clusterId: string): boolean;
  nodes(clusterId: string): readonly Node[] | undefined;
  rxBytesPerSecond(clusterId: string): number | null;
}

/** What one placement asks for; `source` is whatever the renderer takes. */
export interface PlacementAsk<S> {
  readonly name: string;
  readonly namespace: string;
  readonly policy?: string;
  readonly predictive?: boolean;
  readonly source: S;
}

/** Where each cluster's latest report is laid out for the scheduler (FleetTables). */
export interface ReportTables {
  of(clusterId: string, nodes: readonly Node[]): NodeTable;
}

/** What {@link EnablerPlacement} is built from. */
export interface EnablerPlacementDeps<S> {
  readonly scheduler: Scheduler;
  readonly tables: ReportTables;
  readonly reservations: Reservations;
  readonly fleet: PlacementFleet;
  /** Renders the release with default capabilities; resolves with its objects. */
  readonly render: (source: S, name: string, namespace: string) => Promise<readonly unknown[]>;
  readonly defaults: {
    readonly policy: PlacementPolicy;
    readonly predictive: boolean;
    readonly requests: DefaultRequests;
  };
  readonly now: () => Date;
}

/** Chooses clusters for enablers and previews the choice. */
export class EnablerPlacement<S> {
  readonly #d: EnablerPlacementDeps<S>;

  constructor(deps: EnablerPlacementDeps<S>) {
    this.#d = deps;
  }

  /** The decision for a release, without deploying or holding anything (`POST /enabler/placement/preview`). */
  async preview(ask: PlacementAsk<S>): Promise<PlacementDecision> {
    const { demand, clusters, options } = await this.#prepare(ask);
    return this.#d.scheduler.decide(clusters, demand, options);
  }

  /**
   * Chooses a cluster for enabler `id` and holds its share. Throws the
   * scheduler's 409 (every cluster named with why) when nothing fits.
   */
  async choose(
    id: string,
    ask: PlacementAsk<S>,
  ): Promise<{ cluster: PlacedCluster; decision: PlacementDecision }> {
    const { demand, clusters, options, records } = await this.#prepare(ask);
    const decision = this.#d.scheduler.place(id, clusters, demand, options);
    const chosen = records.find((c) => c.id === decision.chosen?.clusterId) as FleetCluster;
    return {
      cluster: {
        id: chosen.id,
        name: chosen.name,
        ...(chosen.kubernetesVersion ? { kubernetesVersion: chosen.kubernetesVersion } : {}),
      },
      decision,
    };
  }

  /** The enabler was not stored after all: its hold goes now. */
  abandon(id: string): void {
    this.#d.reservations.release(id);
  }

  /** The enabler's deploy ended: the next report shows its pods, so the hold can go then. */
  settled(id: string): void {
    this.#d.reservations.settle(id, this.#d.now().getTime());
  }

  async #prepare(ask: PlacementAsk<S>) {
    const objects = await this.#d.render(ask.source, ask.name, ask.namespace);
    const demand = workloadDemand(objects, this.#d.defaults.requests);
    const records = await this.#d.fleet.list();
    const f = this.#d.fleet;
    const clusters: CandidateCluster[] = records.map((c) => {
      const nodes = f.nodes(c.id);
      return {
        id: c.id,
        name: c.name,
        cloud: c.cloud,
        connected: f.isConnected(c.id),
        // Laid out when the report arrived (createPlacement's `reported`), so this only finds it.
        table: nodes && this.#d.tables.of(c.id, nodes),
        rxBytesPerSecond: f.rxBytesPerSecond(c.id),
      };
    });
    const options = {
      policy: ask.policy ? parsePlacementPolicy(ask.policy) : this.#d.defaults.policy,
      predictive: ask.predictive ?? this.#d.defaults.predictive,
    };
    return { demand, clusters, options, records };
  }
}
