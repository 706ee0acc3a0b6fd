import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type Collection, type NewDoc, updateWithRetry } from "../store/store.js";
import {
  type EnablerDoc,
  type EnablerStatus,
  enablerStatuses,
  type ObjectStatus,
  type PendingCommand,
  statusOfOperation,
  type VolumesOutcome,
} from "./enabler-doc.js";
import { enablerNotFound, nameTaken } from "./enabler-errors.js";
import {
  moved,
  reconciled,
  type StartOptions,
  started,
  strip,
  withoutCommand,
} from "./enabler-transitions.js";
import { type ReportedRelease, verdictOf } from "./release-report.js";

/** A new enabler as `EnablerRecords.create` takes it; status fields are filled in. */
export type NewEnabler = Omit<
  NewDoc<EnablerDoc>,
  "status" | "statusReason" | "moves" | "objects" | "pending" | "pendingCommandId" | "updatedAt"
>;

/**
 * Owns every write to enabler documents. Each method is one intent and one
 * atomic document write; the status and the pending command change together,
 * so the pair "revision document, then this write" is the outbox. What each
 * write turns the document into is worked out in enabler-transitions.
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
      // The unique release key caught a create racing this one past the early check.
      if (err instanceof AppError && err.code === ErrorCode.AlreadyExists) {
        throw nameTaken(doc.name, doc.namespace, err);
      }
      throw err;
    }
  }

  /**
   * Starts an upgrade or a delete ({@link started}): refused with 409
   * (naming the operation in flight) while another command is pending.
   */
  async start(id: string, command: PendingCommand, options: StartOptions): Promise<EnablerDoc> {
    const updated = await updateWithRetry(this.#docs, id, (doc) =>
      started(doc, command, options, this.#now()),
    );
    if (!updated) throw enablerNotFound(id);
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
        ...moved(doc, status, `${status.toLowerCase()} on the cluster`, this.#now()),
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
      const rest = withoutCommand(
        moved(doc, "Enabled", `revision ${revision} applied and ready`, this.#now()),
      );
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
      const rest = withoutCommand(moved(doc, "Error", reason, this.#now()));
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
      const verdict = verdictOf(doc, seen, this.#now());
      const reapply = verdict.reapply ? command(doc.currentRevision) : undefined;
      queued = reapply?.id;
      return reconciled(doc, verdict, reapply, this.#now());
    });
    return queued;
  }

  /** The agent answered a volume delete: the outcome is kept, the status is left alone. */
  async volumesDone(id: string, outcome: VolumesOutcome): Promise<EnablerDoc | undefined> {
    return updateWithRetry(this.#docs, id, (doc) => {
      if (doc.pending?.id !== outcome.commandId) return undefined;
      return {
        ...withoutCommand(strip(doc)),
        volumes: outcome,
        updatedAt: this.#now().toISOString(),
      };
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

  /** One enabler, or the 404 naming it. */
  async require(id: string): Promise<EnablerDoc> {
    const doc = await this.#docs.get(id);
    if (!doc) throw enablerNotFound(id);
    return doc;
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
}
