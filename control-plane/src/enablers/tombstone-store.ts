import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type Collection, type StoredDoc, updateWithRetry } from "../store/store.js";
import type { PendingCommand, VolumesOutcome } from "./enabler-doc.js";

/**
 * What is left of a deleted enabler: its name, cluster and namespace for
 * seven days (so `DELETE /enabler/volumes/:id` can still find its volumes),
 * and, after a forced delete, the Delete command still queued for the cluster.
 */
export interface TombstoneDoc extends StoredDoc {
  readonly name: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly deletedAt: string;
  readonly expiresAt: string;
  /**
   * A queued delete (forced, or of a release the cluster still held) or a
   * volume delete, until the agent has answered it.
   */
  readonly pending?: PendingCommand;
  readonly pendingCommandId?: string;
  /** The last volume delete's outcome. */
  readonly volumes?: VolumesOutcome;
}

/** The tombstones collection. */
export const tombstoneCollection = {
  name: "enabler_tombstones",
  options: { unique: [{ field: "pendingCommandId", sparse: true }] },
} as const;

/** How long a tombstone is kept. */
export const tombstoneTtlMs = 7 * 24 * 3600 * 1000;

/** Owns every write to tombstone documents. */
export class TombstoneStore {
  readonly #docs: Collection<TombstoneDoc>;
  readonly #now: () => Date;

  constructor(docs: Collection<TombstoneDoc>, now: () => Date) {
    this.#docs = docs;
    this.#now = now;
  }

  /**
   * Records a deleted enabler. With `pending`, the delete command stays
   * queued here for the cluster's next connection (a forced delete).
   * Replaces an older tombstone of the same enabler.
   */
  async bury(
    enabler: { _id: string; name: string; cluster: string; namespace: string },
    pending?: PendingCommand,
  ): Promise<void> {
    const at = this.#now();
    const doc = {
      _id: enabler._id,
      name: enabler.name,
      cluster: enabler.cluster,
      namespace: enabler.namespace,
      deletedAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + tombstoneTtlMs).toISOString(),
      ...(pending ? { pending, pendingCommandId: pending.id } : {}),
    };
    await this.#docs.delete(enabler._id);
    await this.#docs.insert(doc);
  }

  /**
   * Queues a delete for a release a cluster still holds although no enabler
   * record has it (forced away, or its tombstone expired). Keeps an existing
   * tombstone's dates; makes one when there is none. Resolves false, and
   * queues nothing, when a command is already queued on the tombstone or the
   * id belongs to another cluster (a cluster acts only on its own releases).
   */
  async requeueDelete(
    release: { _id: string; name: string; cluster: string; namespace: string },
    command: PendingCommand,
  ): Promise<boolean> {
    const existing = await this.#docs.get(release._id);
    if (!existing) {
      await this.bury(release, command);
      return true;
    }
    if (existing.cluster !== release.cluster || existing.pending) return false;
    const updated = await updateWithRetry(this.#docs, release._id, (doc) => {
      if (doc.pending || doc.cluster !== release.cluster) return undefined;
      const { _v, ...rest } = doc;
      return { ...rest, pending: command, pendingCommandId: command.id };
    });
    return updated?.pendingCommandId === command.id;
  }

  /**
   * Queues a volume delete on a tombstone: refused with 409 while a command
   * (the release's delete, or another volume delete) is still queued.
   */
  async startVolumes(enablerId: string, command: PendingCommand): Promise<TombstoneDoc> {
    const updated = await updateWithRetry(this.#docs, enablerId, (doc) => {
      if (doc.pending) {
        const what = doc.pending.operation === "volumes" ? "a volume delete" : "its delete";
        throw new AppError(
          ErrorCode.Conflict,
          `enabler ${doc.name} is busy: ${what} is still queued for its cluster; try again when it is done`,
        );
      }
      const { _v, ...rest } = doc;
      return { ...rest, pending: command, pendingCommandId: command.id };
    });
    if (!updated) throw new AppError(ErrorCode.NotFound, `enabler ${enablerId} not found`);
    return updated;
  }

  /** The agent answered a volume delete on a tombstone: the outcome is kept. */
  async volumesDone(enablerId: string, outcome: VolumesOutcome): Promise<void> {
    await updateWithRetry(this.#docs, enablerId, (doc) => {
      if (doc.pending?.id !== outcome.commandId) return undefined;
      const { pending: _p, pendingCommandId: _c, _v, ...rest } = doc;
      return { ...rest, volumes: outcome };
    });
  }

  /** A tombstone by enabler id, unless expired. */
  async get(enablerId: string): Promise<TombstoneDoc | undefined> {
    const doc = await this.#docs.get(enablerId);
    return doc && Date.parse(doc.expiresAt) > this.#now().getTime() ? doc : undefined;
  }

  /** Tombstones whose delete command is still queued for a cluster. */
  async queuedFor(clusterId: string): Promise<TombstoneDoc[]> {
    return (await this.#docs.find({ cluster: clusterId })).filter((t) => t.pending);
  }

  /** The tombstone waiting for this command's result. */
  async byCommand(commandId: string): Promise<TombstoneDoc | undefined> {
    const [doc] = await this.#docs.find({ pendingCommandId: commandId }, { limit: 1 });
    return doc;
  }

  /** The agent answered the queued delete: keep only the record. */
  async delivered(enablerId: string, expectedVersion: number): Promise<void> {
    const doc = await this.#docs.get(enablerId);
    if (!doc || doc._v !== expectedVersion) return;
    const { pending: _p, pendingCommandId: _c, _v, ...rest } = doc;
    await this.#docs.update(enablerId, expectedVersion, rest);
  }

  /** The cluster is gone: its queued commands go too (the records stay); resolves with their ids. */
  async dropQueuedFor(clusterId: string): Promise<string[]> {
    const queued = await this.queuedFor(clusterId);
    for (const t of queued) await this.delivered(t._id, t._v);
    return queued.map((t) => t._id);
  }

  /** Removes expired tombstones; resolves with how many. */
  async expire(): Promise<number> {
    const now = this.#now().getTime();
    let n = 0;
    for (const t of await this.#docs.find()) {
      if (Date.parse(t.expiresAt) <= now && !t.pending && (await this.#docs.delete(t._id))) n++;
    }
    return n;
  }
}
