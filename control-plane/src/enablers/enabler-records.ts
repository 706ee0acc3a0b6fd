import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type Collection, type NewDoc, updateWithRetry } from "../store/store.js";
import {
  type EnablerDoc,
  type EnablerStatus,
  enablerStatuses,
  maxStatusMoves,
  type ObjectStatus,
  type PendingCommand,
  type RevisionSummary,
  statusOfOperation,
  type VolumesOutcome,
} from "./enabler-doc.js";
import { type ReportedRelease, verdictOf } from "./release-report.js";

/** A new enabler as `EnablerRecords.create` takes it; status fields are filled in. */
export type NewEnabler = Omit<
  NewDoc<EnablerDoc>,
  "status" | "statusReason" | "moves" | "objects" | "pending" | "pendingCommandId" | "updatedAt"
>;

/** Changes an upgrade makes to the stored request, besides the new revision. */
export type UpgradeChanges = Partial<
  Pick<EnablerDoc, "values" | "versionSpec" | "timeout" | "timeoutMs">
>;

/**
 * Owns every write to enabler documents. Each method is one intent and one
 * atomic document write; the status and the pending command change together,
 * so the pair "revision document, then this write" is the outbox.
 */
export class EnablerRecords {
  readonly #docs: Collection<EnablerDoc>;
  readonly #now: () => Date;

  constructor(docs: Collection<EnablerDoc>, now: () => Date) {
    this.#docs = docs;
    this.#now = now;
  }

  /**
   * Stores a new enabler with its first command pending: `Deploying` when
   * its cluster is connected, else `Pending` with `waitingReason`.
   */
  async create(
    doc: NewEnabler,
    command: PendingCommand,
    waitingReason: string | undefined,
  ): Promise<EnablerDoc> {
    const at = this.#now().toISOString();
    const status: EnablerStatus = waitingReason ? "Pending" : "Deploying";
    const reason = waitingReason ?? `deploying revision ${command.revision}`;
    try {
      return await this.#docs.insert({
        ...doc,
        status,
        statusReason: reason,
        pending: waitingReason ? { ...command, waitingForCluster: true as const } : command,
        pendingCommandId: command.id,
        objects: [],
        moves: [{ status, reason, at }],
        updatedAt: at,
      });
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.AlreadyExists) {
        throw new AppError(
          ErrorCode.AlreadyExists,
          `an enabler named "${doc.name}" already exists in namespace ${doc.namespace} of this cluster`,
          {
            fields: [{ field: "name", reason: "already in use in this cluster and namespace" }],
            cause: err,
          },
        );
      }
      throw err;
    }
  }

  /**
   * Starts an upgrade or a delete: refused with 409 (naming the operation in
   * flight) while another command is pending.
   */
  async start(
    id: string,
    command: PendingCommand,
    options: {
      waitingReason: string | undefined;
      revision?: RevisionSummary;
      changes?: UpgradeChanges;
    },
  ): Promise<EnablerDoc> {
    const updated = await updateWithRetry(this.#docs, id, (doc) => {
      assertIdle(doc);
      // A delete shows Deleting even while it waits for the cluster (DELETE answers 202 Deleting).
      const status =
        options.waitingReason && command.operation !== "delete"
          ? "Pending"
          : statusOfOperation(command.operation, doc.status);
      const reason =
        options.waitingReason ??
        (command.operation === "delete" ? "deleting" : `upgrading to revision ${command.revision}`);
      if (command.operation === "volumes") {
        // Deleting volumes leaves the status alone: only the outbox entry is written.
        return { ...strip(doc), pending: command, pendingCommandId: command.id };
      }
      return {
        ...this.#moved(doc, status, reason),
        ...options.changes,
        ...(options.revision
          ? {
              currentRevision: options.revision.revision,
              revisions: [...doc.revisions, options.revision],
              ...(options.revision.version ? { version: options.revision.version } : {}),
            }
          : {}),
        pending: options.waitingReason ? { ...command, waitingForCluster: true as const } : command,
        pendingCommandId: command.id,
      };
    });
    if (!updated) throw notFound(id);
    return updated;
  }

  /** The command went out on a live session: `Pending` becomes the operation's status. */
  async sent(id: string, commandId: string): Promise<void> {
    await updateWithRetry(this.#docs, id, (doc) => {
      const p = doc.pending;
      if (p?.id !== commandId || !p.waitingForCluster) return undefined;
      const { waitingForCluster: _w, ...delivered } = p;
      const status = statusOfOperation(p.operation, doc.status);
      return {
        ...this.#moved(doc, status, `${status.toLowerCase()} on the cluster`),
        pending: delivered,
      };
    });
  }

  /** The agent reported progress: keep each object's readiness and message. */
  async progress(
    id: string,
    commandId: string,
    progress: { message: string; waitingFor: readonly ObjectStatus[] },
  ): Promise<void> {
    const at = this.#now().toISOString();
    await updateWithRetry(this.#docs, id, (doc) =>
      doc.pending?.id === commandId
        ? { ...strip(doc), progress: { ...progress, waitingFor: [...progress.waitingFor], at } }
        : undefined,
    );
  }

  /**
   * The agent applied the revision and everything is ready: that is also the
   * cluster confirming the release (healthy at this revision, held from now on).
   */
  async applied(
    id: string,
    commandId: string,
    revision: number,
    objects: readonly ObjectStatus[],
  ): Promise<EnablerDoc | undefined> {
    return updateWithRetry(this.#docs, id, (doc) => {
      if (doc.pending?.id !== commandId) return undefined;
      const {
        pending: _p,
        pendingCommandId: _c,
        progress: _g,
        ...rest
      } = this.#moved(doc, "Enabled", `revision ${revision} applied and ready`);
      const confirmed = {
        at: rest.updatedAt,
        revision,
        health: "healthy",
        message: "",
        repairs: doc.confirmed?.repairs ?? 0,
      };
      return { ...rest, appliedRevision: revision, objects: [...objects], confirmed };
    });
  }

  /** The command failed: `Error` with the agent's reason; the command is done. */
  async failed(
    id: string,
    commandId: string,
    reason: string,
    objects?: readonly ObjectStatus[],
  ): Promise<EnablerDoc | undefined> {
    return updateWithRetry(this.#docs, id, (doc) => {
      if (doc.pending?.id !== commandId) return undefined;
      const {
        pending: _p,
        pendingCommandId: _c,
        progress: _g,
        ...rest
      } = this.#moved(doc, "Error", reason);
      return { ...rest, ...(objects ? { objects: [...objects] } : {}) };
    });
  }

  /**
   * Records what the cluster reported about the enabler at a session start
   * ({@link verdictOf}): the confirmation, the last repair, and the status
   * move or re-apply (of the current revision, as `command`) it calls for.
   * Resolves with the re-apply's command id when one was queued.
   */
  async reconciled(
    id: string,
    seen: ReportedRelease | undefined,
    command: (revision: number) => PendingCommand,
  ): Promise<string | undefined> {
    let queued: string | undefined;
    await updateWithRetry(this.#docs, id, (doc) => {
      queued = undefined;
      const v = verdictOf(doc, seen, this.#now());
      const extra = {
        confirmed: v.confirmed,
        ...(v.lastRepair ? { lastRepair: v.lastRepair } : {}),
        ...(v.appliedRevision !== undefined ? { appliedRevision: v.appliedRevision } : {}),
      };
      if (v.reapply) {
        const c = command(doc.currentRevision);
        queued = c.id;
        return {
          ...this.#moved(doc, statusOfOperation(c.operation, doc.status), v.reapply),
          ...extra,
          pending: c,
          pendingCommandId: c.id,
        };
      }
      if (v.move) return { ...this.#moved(doc, v.move.status, v.move.reason), ...extra };
      return { ...strip(doc), ...extra };
    });
    return queued;
  }

  /** The agent answered a volume delete: the outcome is kept, the status is left alone. */
  async volumesDone(id: string, outcome: VolumesOutcome): Promise<EnablerDoc | undefined> {
    return updateWithRetry(this.#docs, id, (doc) => {
      if (doc.pending?.id !== outcome.commandId) return undefined;
      const { pending: _p, pendingCommandId: _c, progress: _g, _v, ...rest } = doc;
      return { ...rest, volumes: outcome, updatedAt: this.#now().toISOString() };
    });
  }

  /** Removes the record (its delete finished, or it was forced). */
  async remove(id: string): Promise<boolean> {
    return this.#docs.delete(id);
  }

  /** Removes every record on a deleted cluster; their queued commands go with them. */
  async removeForCluster(clusterId: string): Promise<number> {
    return this.#docs.deleteMany({ cluster: clusterId });
  }

  /** One enabler, or undefined. */
  get(id: string): Promise<EnablerDoc | undefined> {
    return this.#docs.get(id);
  }

  /** Enablers matching a filter, by name. */
  list(filter: { cluster?: string } = {}): Promise<EnablerDoc[]> {
    return this.#docs.find(filter, { sortBy: "name" });
  }

  /** The enabler holding a release key (cluster/namespace/name), if any. */
  async byReleaseKey(key: string): Promise<EnablerDoc | undefined> {
    const [doc] = await this.#docs.find({ releaseKey: key }, { limit: 1 });
    return doc;
  }

  /** How many enablers a cluster has. */
  countFor(clusterId: string): Promise<number> {
    return this.#docs.count({ cluster: clusterId });
  }

  /** The enabler waiting for this command's result. */
  async byCommand(commandId: string): Promise<EnablerDoc | undefined> {
    const [doc] = await this.#docs.find({ pendingCommandId: commandId }, { limit: 1 });
    return doc;
  }

  /** Enablers of a cluster with a command waiting (read back from the store: the outbox). */
  async queuedFor(clusterId: string): Promise<EnablerDoc[]> {
    return (await this.#docs.find({ cluster: clusterId })).filter((d) => d.pending);
  }

  /** Every enabler with a command waiting, on any cluster (the start-up sweep). */
  async queued(): Promise<EnablerDoc[]> {
    const out: EnablerDoc[] = [];
    // Every status: a volume delete is in flight on an Enabled or Error enabler too.
    for (const status of enablerStatuses) {
      out.push(...(await this.#docs.find({ status })).filter((d) => d.pending));
    }
    return out;
  }

  #moved(doc: EnablerDoc, status: EnablerStatus, reason: string): NewDoc<EnablerDoc> {
    const at = this.#now().toISOString();
    const moves = [...doc.moves, { status, reason, at }].slice(-maxStatusMoves);
    return { ...strip(doc), status, statusReason: reason, moves, updatedAt: at };
  }
}

function strip(doc: EnablerDoc): NewDoc<EnablerDoc> {
  const { _v, ...rest } = doc;
  return rest;
}

function assertIdle(doc: EnablerDoc): void {
  const p = doc.pending;
  if (!p) return;
  const what =
    p.operation === "delete"
      ? "a delete"
      : p.operation === "volumes"
        ? "a volume delete"
        : `a ${p.operation} of revision ${p.revision}`;
  throw new AppError(
    ErrorCode.Conflict,
    `enabler ${doc.name} is busy: ${what} is in flight (status ${doc.status}); try again when it is done`,
  );
}

function notFound(id: string): AppError {
  return new AppError(ErrorCode.NotFound, `enabler ${id} not found`);
}
