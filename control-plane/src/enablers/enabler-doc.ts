import { randomUUID } from "node:crypto";
import type { StoredDoc } from "../store/store.js";

/** Enabler status: the original enabler's three values plus ours (Deploying, Upgrading, Deleting). */
export const enablerStatuses = [
  "Pending",
  "Deploying",
  "Enabled",
  "Upgrading",
  "Deleting",
  "Error",
] as const;

/** One of {@link enablerStatuses}. */
export type EnablerStatus = (typeof enablerStatuses)[number];

/** The operation a command carries out; named in 409 answers and status moves. */
export type EnablerOperation = "deploy" | "upgrade" | "delete" | "volumes";

/**
 * The status an operation shows while its command is out on a live session;
 * deleting volumes leaves the enabler's status as it is.
 */
export function statusOfOperation(op: EnablerOperation, current: EnablerStatus): EnablerStatus {
  if (op === "volumes") return current;
  return op === "deploy" ? "Deploying" : op === "upgrade" ? "Upgrading" : "Deleting";
}

/**
 * The outbox entry: a command waiting for its result. It lives inside the
 * enabler document, so writing it and the status is one atomic write.
 */
export interface PendingCommand {
  /** Unique; the agent answers a repeated id from its recorded result. */
  readonly id: string;
  readonly operation: EnablerOperation;
  /** For apply: the revision to apply. */
  readonly revision?: number;
  readonly timeoutMs: number;
  readonly issuedAt: string;
  /** Set while no session has taken it: the first send records the status move. */
  readonly waitingForCluster?: true;
  /** For volumes: delete even while the release's workloads run. */
  readonly force?: true;
}

/** How the cluster's agent last described the release (ours, from its ReleaseStatus). */
export interface ClusterConfirmation {
  /** When the control plane received it: the cluster's last confirmation. */
  readonly at: string;
  /** The revision the agent holds and repairs to; absent when it holds none for this enabler. */
  readonly revision?: number;
  /** healthy, progressing, degraded, unknown (not checked since the agent started), or absent. */
  readonly health: string;
  /** Why it is not healthy. */
  readonly message: string;
  /** Objects re-applied since the agent started. */
  readonly repairs: number;
}

/** The agent's last drift repair of the release (agent clock). */
export interface LastRepair {
  readonly at: string;
  /** What it repaired, e.g. "Deployment shop/web (recreated)". */
  readonly objects: readonly string[];
}

/** The outcome of the last `DELETE /enabler/volumes/:id`. */
export interface VolumesOutcome {
  readonly commandId: string;
  readonly at: string;
  readonly ok: boolean;
  /** Refused because the release's workloads still run (send again with force). */
  readonly inUse?: true;
  readonly message: string;
  /** The claims and volumes deleted, e.g. "PersistentVolumeClaim shop/data-db-0". */
  readonly deleted: readonly string[];
}

/** A new outbox entry: a fresh command id, issued at `now`. */
export function newCommand(
  operation: EnablerOperation,
  timeoutMs: number,
  now: Date,
  extra: { revision?: number; force?: true } = {},
): PendingCommand {
  return {
    id: randomUUID(),
    operation,
    ...(extra.revision !== undefined ? { revision: extra.revision } : {}),
    timeoutMs,
    issuedAt: now.toISOString(),
    ...(extra.force ? { force: true as const } : {}),
  };
}

/** A recorded status change. */
export interface StatusMove {
  readonly status: EnablerStatus;
  readonly reason: string;
  readonly at: string;
}

/** What the agent last said about one object of the release. */
export interface ObjectStatus {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** created, configured, unchanged, pruned or deleted. */
  readonly action: string;
  readonly ready: boolean;
  readonly message: string;
}

/** The agent's latest word on a running command: what it still waits for. */
export interface CommandProgressView {
  readonly message: string;
  /** The objects not ready yet, with why. */
  readonly waitingFor: readonly ObjectStatus[];
  readonly at: string;
}

/** One revision as listed on the enabler (the objects live in the revision document). */
export interface RevisionSummary {
  readonly revision: number;
  /** `<repo>/<chart>`, or undefined for raw manifests. */
  readonly chart?: string;
  /** The pinned chart version. */
  readonly version?: string;
  /** sha256 of the user values (canonical JSON), hex. */
  readonly valuesDigest: string;
  readonly objectCount: number;
  /** Helm test hooks the chart rendered, dropped at render time (never applied). */
  readonly testHooks?: number;
  readonly createdAt: string;
}

/**
 * An enabler as stored. Every write goes through `EnablerRecords`; the
 * `releaseKey` unique index keeps names unique per cluster and namespace.
 */
export interface EnablerDoc extends StoredDoc {
  readonly name: string;
  /** Id of the cluster the enabler is placed on. */
  readonly cluster: string;
  readonly namespace: string;
  /** `<cluster>/<namespace>/<name>`, unique. */
  readonly releaseKey: string;
  /** `<repo>/<chart>`; absent for raw manifests. */
  readonly helmChart?: string;
  /** What the client asked for (exact or range); the pinned one is on the revision. */
  readonly versionSpec?: string;
  /** The pinned version of the current revision. */
  readonly version?: string;
  /** The user's values (not merged with the chart's defaults). */
  readonly values: Record<string, unknown>;
  readonly timeout: string;
  readonly timeoutMs: number;
  readonly placementPolicy?: string;
  readonly auto: boolean;
  /** With `auto`: the placement decision and why (PlacementDecision, owned by placement/). */
  readonly placement?: Readonly<Record<string, unknown>>;
  readonly status: EnablerStatus;
  readonly statusReason: string;
  /** The newest revision written. */
  readonly currentRevision: number;
  /** The revision the agent last reported applied. */
  readonly appliedRevision?: number;
  readonly revisions: readonly RevisionSummary[];
  /** The in-flight command; `pendingCommandId` mirrors its id for lookups. */
  readonly pending?: PendingCommand;
  readonly pendingCommandId?: string;
  /** Every object of the release as the last result reported it. */
  readonly objects: readonly ObjectStatus[];
  /** The agent's latest progress on the command in flight. */
  readonly progress?: CommandProgressView;
  readonly moves: readonly StatusMove[];
  /** The cluster's last word on the release (its agent's ReleaseStatus at a session start). */
  readonly confirmed?: ClusterConfirmation;
  /** The agent's last drift repair of the release. */
  readonly lastRepair?: LastRepair;
  /** The last volume delete's outcome. */
  readonly volumes?: VolumesOutcome;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The part of an enabler record other modules rely on: which cluster it runs on. */
export type EnablerRef = Pick<EnablerDoc, "_id" | "_v" | "name" | "cluster">;

/** Name of the enablers collection. */
export const enablerCollectionName = "enablers";

/** The enablers collection and its unique indexes. */
export const enablerCollection = {
  name: enablerCollectionName,
  options: {
    unique: [{ field: "releaseKey" }, { field: "pendingCommandId", sparse: true }],
  },
} as const;

/** How many status moves an enabler keeps (the oldest go first). */
export const maxStatusMoves = 100;

/** The unique key of a release: one name per cluster and namespace. */
export function releaseKeyOf(cluster: string, namespace: string, name: string): string {
  return `${cluster}/${namespace}/${name}`;
}
