import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import type { ReleaseSource, TargetCluster } from "./release-builder.js";

/** Clusters as the enablers see them (the cluster records implement it). */
export interface ClusterDirectory {
  /** A cluster by id or by name. */
  find(idOrName: string): Promise<TargetCluster | undefined>;
  /** Whether the cluster has a live agent session. */
  isConnected(clusterId: string): boolean;
}

/**
 * Picks a cluster for `auto: true`. The scheduler plugs in here; until it
 * does, {@link noAutomaticPlacement} refuses.
 */
export interface ClusterChooser {
  choose(request: {
    /** The enabler's id: capacity the choice promises is held under it. */
    readonly id: string;
    readonly name: string;
    readonly namespace: string;
    readonly policy?: string;
    /** Ours: place on forecast usage; the server default when absent. */
    readonly predictive?: boolean;
    /** What will be deployed; render it per candidate with the ReleaseBuilder to read requests. */
    readonly source: ReleaseSource;
  }): Promise<{
    readonly cluster: TargetCluster;
    /** The decision and its explanation, stored with the enabler. */
    readonly placement: Readonly<Record<string, unknown>>;
  }>;
  /** The enabler was not stored after all: what was held for it goes. */
  abandon?(id: string): void;
}

/** The chooser used until the scheduler lands: `auto: true` gets a 400 naming `auto`. */
export const noAutomaticPlacement: ClusterChooser = {
  choose() {
    const reason = "automatic placement is not available yet; name a cluster and set auto to false";
    return Promise.reject(
      new AppError(ErrorCode.InvalidArgument, `auto: ${reason}`, {
        fields: [{ field: "auto", reason }],
      }),
    );
  },
};

/** Tells the delivery side that a cluster's outbox changed (CommandOutbox.nudge). */
export type OutboxNudge = (clusterId: string) => void;

/**
 * The cluster an enabler lives on. Its id stands in for the name when the
 * cluster record is gone: the enabler must stay upgradable and deletable.
 */
export async function enablerCluster(
  clusters: ClusterDirectory,
  clusterId: string,
): Promise<TargetCluster> {
  return (await clusters.find(clusterId)) ?? { id: clusterId, name: clusterId };
}

/**
 * Why a new command will wait, or undefined when the cluster is connected
 * and it goes out at once (the status then moves straight to the operation's).
 */
export function waitingReason(
  clusters: ClusterDirectory,
  cluster: TargetCluster,
): string | undefined {
  return clusters.isConnected(cluster.id)
    ? undefined
    : `waiting for cluster ${cluster.name} to connect`;
}
