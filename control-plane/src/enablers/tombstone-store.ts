import type { Collection, StoredDoc } from "../store/store.js";
import type { PendingCommand } from "./enabler-doc.js";

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
  /** A forced delete's command, until the agent has answered it. */
  readonly pending?: PendingCommand;
  readonly pendingCommandId?: string;
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

  /** The cluster is gone: its queued deletes go too (the records stay). */
  async dropQueuedFor(clusterId: string): Promise<number> {
    const queued = await this.queuedFor(clusterId);
    for (const t of queued) await this.delivered(t._id, t._v);
    return queued.length;
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
