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
export type EnablerOperation = "deploy" | "upgrade" | "delete";

/** The status an operation shows while its command is out on a live session. */
export const statusOfOperation: Readonly<Record<EnablerOperation, EnablerStatus>> = {
  deploy: "Deploying",
  upgrade: "Upgrading",
  delete: "Deleting",
};

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
