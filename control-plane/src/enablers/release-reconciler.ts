import type { Logger, ReleaseStatus } from "@smart-orchestrator/shared";
import { newCommand } from "./enabler-doc.js";
import type { EnablerRecords } from "./enabler-records.js";
import { readReleaseStatus } from "./release-report.js";
import type { TombstoneStore } from "./tombstone-store.js";

/** What {@link ReleaseReconciler} is built from. */
export interface ReleaseReconcilerDeps {
  readonly enablers: Pick<EnablerRecords, "get" | "list" | "reconciled">;
  readonly tombstones: Pick<TombstoneStore, "requeueDelete">;
  /** Something was queued for the cluster (CommandOutbox.nudge). */
  readonly nudge: (clusterId: string) => void;
  readonly now: () => Date;
  readonly log: Logger;
}

/** What one ReleaseStatus changed, for logs and tests. */
export interface ReconcileSummary {
  /** Enablers whose current revision was queued again. */
  readonly reapplied: readonly string[];
  /** Releases the cluster held that no enabler has any more: a Delete was queued. */
  readonly deleted: readonly string[];
  /** Enablers of the cluster whose confirmation was recorded. */
  readonly confirmed: number;
}

/**
 * Compares what a cluster holds (its agent's ReleaseStatus, sent on every
 * new session) with the enabler records, and acts through the outbox:
 * - every enabler of the cluster records the confirmation, the last repair,
 *   and the status the report calls for (`verdictOf`);
 * - an enabler the cluster lacks, or holds at an older revision, gets its
 *   current revision queued again (unless it is in Error);
 * - a release no record has (forced away while the cluster was gone, its
 *   queued delete lost or failed) gets a Delete queued on its tombstone.
 * Only the reporting cluster's own enablers and tombstones are touched.
 */
export class ReleaseReconciler {
  readonly #d: ReleaseReconcilerDeps;

  constructor(deps: ReleaseReconcilerDeps) {
    this.#d = deps;
  }

  /**
   * Reconciles a cluster's ReleaseStatus (hub `onReleaseStatus`). Callers
   * run it in the cluster's message order (see ClusterSerial).
   */
  async reconcile(clusterId: string, status: ReleaseStatus): Promise<ReconcileSummary> {
    const reported = readReleaseStatus(status);
    const reapplied: string[] = [];
    const deleted: string[] = [];
    let confirmed = 0;
    for (const doc of await this.#d.enablers.list({ cluster: clusterId })) {
      const seen = reported.get(doc._id);
      reported.delete(doc._id);
      const queued = await this.#d.enablers.reconciled(doc._id, seen, (revision) =>
        this.#command("upgrade", doc.timeoutMs, revision),
      );
      confirmed++;
      if (queued) reapplied.push(doc.name);
    }
    for (const r of reported.values()) {
      // A record of this id on another cluster is not this cluster's to delete.
      const other = await this.#d.enablers.get(r.enablerId);
      if (other) continue;
      const queued = await this.#d.tombstones.requeueDelete(
        { _id: r.enablerId, name: r.release, cluster: clusterId, namespace: r.namespace },
        this.#command("delete", 300_000),
      );
      if (queued) deleted.push(r.release);
    }
    if (reapplied.length > 0 || deleted.length > 0) {
      this.#d.log.info(
        { clusterId, reapplied, deleted },
        "the cluster differs from the records: commands queued",
      );
      this.#d.nudge(clusterId);
    }
    return { reapplied, deleted, confirmed };
  }

  #command(operation: "upgrade" | "delete", timeoutMs: number, revision?: number) {
    return newCommand(
      operation,
      timeoutMs,
      this.#d.now(),
      revision !== undefined ? { revision } : {},
    );
  }
}
