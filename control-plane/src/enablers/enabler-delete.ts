import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { newCommand } from "./enabler-doc.js";
import {
  type ClusterDirectory,
  enablerCluster,
  type OutboxNudge,
  waitingReason,
} from "./enabler-ports.js";
import type { EnablerRecords } from "./enabler-records.js";
import { nextOrTimeout, type SettleSignals, type SettleSubscription } from "./settle-signals.js";
import type { TombstoneStore } from "./tombstone-store.js";

/** Options for {@link deleteEnabler}. */
export interface DeleteEnablerOptions {
  /** Drop the record at once; the delete stays queued for the cluster. */
  readonly force: boolean;
  /** How long to wait for the agent to finish. */
  readonly waitMs: number;
}

/** A delete's outcome: done (200) or still going (202 Deleting). */
export interface DeleteOutcome {
  readonly done: boolean;
  readonly message: string;
}

/** What {@link deleteEnabler} needs. */
export interface DeleteEnablerDeps {
  readonly records: Pick<EnablerRecords, "require" | "get" | "start" | "remove">;
  readonly tombstones: Pick<TombstoneStore, "bury">;
  readonly clusters: ClusterDirectory;
  readonly nudge: OutboxNudge;
  /** Wakes the waiting request when the agent answers. */
  readonly signals: SettleSignals;
  readonly now: () => Date;
}

/**
 * `DELETE /enabler/:id`. Without `force` it queues the delete and waits
 * up to `waitMs` for the agent; with `force` the record goes at once and
 * the delete stays queued (on the tombstone) for the cluster's next connection.
 */
export async function deleteEnabler(
  d: DeleteEnablerDeps,
  id: string,
  options: DeleteEnablerOptions,
): Promise<DeleteOutcome> {
  const doc = await d.records.require(id);
  if (options.force) {
    // The revision the cluster holds stays stored until the agent answers: its delete hooks.
    const held = doc.appliedRevision ?? doc.currentRevision;
    const command =
      doc.pending?.operation === "delete"
        ? { ...doc.pending, revision: held }
        : newCommand("delete", doc.timeoutMs, d.now(), { revision: held });
    await d.tombstones.bury(doc, command);
    await d.records.remove(id);
    d.nudge(doc.cluster);
    return {
      done: true,
      message: `enabler ${doc.name} removed; its objects are deleted from the cluster when the agent takes the queued delete`,
    };
  }
  const cluster = await enablerCluster(d.clusters, doc.cluster);
  // Subscribed before the command is stored, so an answer in between is not missed.
  const settled = d.signals.subscribe(id);
  try {
    await d.records.start(id, newCommand("delete", doc.timeoutMs, d.now()), {
      waitingReason: waitingReason(d.clusters, cluster),
    });
    d.nudge(doc.cluster);
    return await awaitDelete(d, { id, name: doc.name, settled, waitMs: options.waitMs });
  } finally {
    settled.cancel();
  }
}

/**
 * Re-reads the record each time the agent settles a command, until it is
 * gone (200), ended in Error with nothing queued (503 with its reason), or
 * the wait is over (202 Deleting; the delete carries on).
 */
async function awaitDelete(
  d: DeleteEnablerDeps,
  w: { id: string; name: string; settled: SettleSubscription; waitMs: number },
): Promise<DeleteOutcome> {
  const deadline = Date.now() + w.waitMs;
  for (;;) {
    const doc = await d.records.get(w.id);
    if (!doc) return { done: true, message: `enabler ${w.name} deleted` };
    if (doc.status === "Error" && !doc.pending) {
      throw new AppError(ErrorCode.Unavailable, doc.statusReason);
    }
    const left = deadline - Date.now();
    if (left <= 0) return { done: false, message: `enabler ${w.name} is being deleted` };
    await nextOrTimeout(w.settled, left);
  }
}
