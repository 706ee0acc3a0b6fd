import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { newCommand, type VolumesOutcome } from "./enabler-doc.js";
import type { ClusterDirectory, OutboxNudge } from "./enabler-ports.js";
import type { EnablerRecords } from "./enabler-records.js";
import { nextOrTimeout, type SettleSignals, type SettleSubscription } from "./settle-signals.js";
import type { TombstoneStore } from "./tombstone-store.js";

/** What {@link VolumeService} is built from. */
export interface VolumeServiceDeps {
  readonly records: Pick<EnablerRecords, "get" | "start">;
  readonly tombstones: Pick<TombstoneStore, "get" | "startVolumes">;
  readonly clusters: ClusterDirectory;
  readonly nudge: OutboxNudge;
  readonly signals: SettleSignals;
  readonly now: () => Date;
}

/** The answer to `DELETE /enabler/volumes/:id`. */
export interface VolumesAnswer {
  /** false: the agent is still at it (202); the outcome shows in `GET /enabler/:id`. */
  readonly done: boolean;
  readonly message: string;
  /** What was deleted, e.g. "PersistentVolumeClaim shop/data-db-0", "PersistentVolume pv-1". */
  readonly deleted: readonly string[];
}

/** How long a volume delete may take on the agent (claims' finalizers, then the volumes). */
const agentTimeoutMs = 300_000;

/**
 * `DELETE /enabler/volumes/:id`, over live enablers and tombstones (the
 * original use: after the enabler itself was deleted). The DeleteVolumes
 * command goes through the outbox like every command; the request waits up
 * to `waitMs` for the agent's answer. The agent makes the in-use check (the
 * release's workloads still exist), so the 409 reflects the cluster itself.
 * A disconnected cluster is a 409 naming it, and nothing is queued: a
 * destructive command should run when someone asked for it, not days later.
 */
export class VolumeService {
  readonly #d: VolumeServiceDeps;

  constructor(deps: VolumeServiceDeps) {
    this.#d = deps;
  }

  /** Deletes the enabler's volumes; `force` even while its workloads run. */
  async delete(id: string, options: { force: boolean; waitMs: number }): Promise<VolumesAnswer> {
    const live = await this.#d.records.get(id);
    const grave = live ? undefined : await this.#d.tombstones.get(id);
    const target = live ?? grave;
    if (!target) {
      throw new AppError(
        ErrorCode.NotFound,
        `enabler ${id} not found (neither live nor deleted in the last 7 days)`,
      );
    }
    if (!this.#d.clusters.isConnected(target.cluster)) {
      const cluster = await this.#d.clusters.find(target.cluster);
      throw new AppError(
        ErrorCode.Conflict,
        `cluster ${cluster?.name ?? target.cluster} is not connected; nothing was queued: delete the volumes of ${target.name} when it is`,
      );
    }
    const command = newCommand(
      "volumes",
      agentTimeoutMs,
      this.#d.now(),
      options.force ? { force: true } : {},
    );
    const wake = this.#d.signals.subscribe(id);
    try {
      if (live) await this.#d.records.start(id, command, { waitingReason: undefined });
      else await this.#d.tombstones.startVolumes(id, command);
      this.#d.nudge(target.cluster);
      const outcome = await this.#await(id, command.id, wake, options.waitMs);
      if (!outcome) {
        return {
          done: false,
          message: `the volumes of ${target.name} are being deleted; GET /enabler/${id} shows the outcome`,
          deleted: [],
        };
      }
      return answerOf(target.name, outcome);
    } finally {
      wake.cancel();
    }
  }

  async #await(
    id: string,
    commandId: string,
    wake: SettleSubscription,
    waitMs: number,
  ): Promise<VolumesOutcome | undefined> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // A live enabler force-deleted meanwhile: the command is gone with its record.
      const doc = (await this.#d.records.get(id)) ?? (await this.#d.tombstones.get(id));
      if (doc?.volumes?.commandId === commandId) return doc.volumes;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await nextOrTimeout(wake, left);
    }
  }
}

function answerOf(name: string, outcome: VolumesOutcome): VolumesAnswer {
  if (outcome.inUse) {
    throw new AppError(
      ErrorCode.Conflict,
      `the workloads of ${name} still run: ${outcome.message}; send the header Force: true to delete the volumes anyway`,
    );
  }
  if (!outcome.ok) {
    throw new AppError(
      ErrorCode.Unavailable,
      `the cluster could not delete the volumes of ${name}: ${outcome.message}`,
    );
  }
  const n = outcome.deleted.length;
  return {
    done: true,
    message: n === 0 ? `${name} has no volumes` : `deleted ${n} volume objects of ${name}`,
    deleted: outcome.deleted,
  };
}
