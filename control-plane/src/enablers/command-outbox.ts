import type {
  CommandProgress,
  CommandResult,
  HubMessage,
  Logger,
} from "@smart-orchestrator/shared";
import {
  applyMessage,
  type CommandOutcome,
  deleteMessage,
  readProgress,
  readResult,
  volumesMessage,
} from "./command-codec.js";
import { deleteHooksOf } from "./delete-hooks.js";
import type { EnablerDoc, VolumesOutcome } from "./enabler-doc.js";
import type { EnablerRecords } from "./enabler-records.js";
import type { RevisionStore } from "./revision-store.js";
import type { TombstoneDoc, TombstoneStore } from "./tombstone-store.js";

/** A live agent session as the outbox sees it (the hub's AgentSession implements it). */
export interface CommandChannel {
  readonly clusterId: string;
  readonly ended: boolean;
  send(message: HubMessage): boolean;
}

/** Finds a cluster's live session (the hub's SessionRegistry implements it). */
export interface SessionLookup {
  get(clusterId: string): CommandChannel | undefined;
}

/** What {@link CommandOutbox} is built from. */
export interface CommandOutboxDeps {
  readonly enablers: Pick<
    EnablerRecords,
    | "queued"
    | "queuedFor"
    | "byCommand"
    | "sent"
    | "progress"
    | "applied"
    | "failed"
    | "volumesDone"
    | "remove"
  >;
  readonly revisions: Pick<RevisionStore, "objectsGz" | "removeAll">;
  readonly tombstones: Pick<
    TombstoneStore,
    "bury" | "byCommand" | "delivered" | "queuedFor" | "volumesDone"
  >;
  readonly sessions: SessionLookup;
  readonly log: Logger;
  readonly now: () => Date;
  /** Called when an enabler's command has ended (its record may be gone). */
  readonly onSettled?: (enablerId: string) => void;
}

/**
 * Delivers pending commands to live sessions and records their results.
 * Commands are always read back from the store (the enabler documents and
 * the tombstones of forced deletes), never handed over in memory by the
 * request that wrote them: the request only says "look at this cluster",
 * so the same path serves a session start, a restart and another replica.
 */
export class CommandOutbox {
  readonly #d: CommandOutboxDeps;
  /** Command ids already sent on each session, so a nudge does not resend them. */
  readonly #sent = new WeakMap<CommandChannel, Set<string>>();
  /** Per-cluster delivery chain: one store read at a time, nudges coalesced. */
  readonly #running = new Map<string, { again: boolean; done: Promise<void> }>();

  constructor(deps: CommandOutboxDeps) {
    this.#d = deps;
  }

  /** Something was written to a cluster's outbox: deliver it if the cluster is connected. */
  nudge(clusterId: string): Promise<void> {
    const running = this.#running.get(clusterId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const entry = { again: true, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        while (entry.again) {
          entry.again = false;
          await this.#deliver(clusterId);
        }
      } catch (err) {
        this.#d.log.error({ err, clusterId }, "could not deliver pending commands");
      } finally {
        this.#running.delete(clusterId);
      }
    })();
    this.#running.set(clusterId, entry);
    return entry.done;
  }

  /** A session started: everything pending for its cluster goes out on it. */
  sessionStarted(session: CommandChannel): Promise<void> {
    return this.nudge(session.clusterId);
  }

  /**
   * Start-up sweep: finds every enabler with a command in flight (Pending,
   * Deploying, Upgrading, Deleting) and every queued forced delete, and
   * delivers to the clusters already connected; the rest go when their
   * session starts. Resolves with how many commands are waiting.
   */
  async sweep(): Promise<number> {
    const queued = await this.#d.enablers.queued();
    const clusters = new Set(queued.map((e) => e.cluster));
    await Promise.all([...clusters].map((c) => this.nudge(c)));
    if (queued.length > 0) {
      this.#d.log.info(
        { commands: queued.length, clusters: clusters.size },
        "resuming commands in flight",
      );
    }
    return queued.length;
  }

  /** Records a command's final result (hub `onCommandResult`). */
  async result(clusterId: string, result: CommandResult): Promise<void> {
    const outcome = readResult(result);
    const doc = await this.#d.enablers.byCommand(outcome.commandId);
    if (doc && doc.cluster === clusterId) {
      await this.#settle(doc, outcome);
      this.#d.onSettled?.(doc._id);
      return;
    }
    const grave = await this.#d.tombstones.byCommand(outcome.commandId);
    if (grave && grave.cluster === clusterId) {
      if (grave.pending?.operation === "volumes") {
        await this.#d.tombstones.volumesDone(grave._id, this.#volumesOutcome(outcome));
        this.#d.onSettled?.(grave._id);
        return;
      }
      await this.#d.tombstones.delivered(grave._id, grave._v);
      // Kept for the delete's hooks until the agent answered; no record points at them now.
      await this.#d.revisions.removeAll(grave._id);
      this.#d.log.info(
        { enablerId: grave._id, ok: outcome.ok, message: outcome.message },
        "queued delete of a forced-deleted enabler answered",
      );
      return;
    }
    // A repeat of an answered command, or a cluster answering for another: nothing to do.
    this.#d.log.debug({ clusterId, commandId: outcome.commandId }, "result for no pending command");
  }

  /** Records progress on a running command (hub `onCommandProgress`). */
  async progress(clusterId: string, progress: CommandProgress): Promise<void> {
    const report = readProgress(progress);
    const doc = await this.#d.enablers.byCommand(report.commandId);
    if (!doc || doc.cluster !== clusterId) return;
    await this.#d.enablers.progress(doc._id, report.commandId, {
      message: report.message,
      waitingFor: report.waitingFor,
    });
  }

  async #settle(doc: EnablerDoc, outcome: CommandOutcome): Promise<void> {
    const op = doc.pending?.operation;
    if (op === "volumes") {
      await this.#d.enablers.volumesDone(doc._id, this.#volumesOutcome(outcome));
      return;
    }
    if (op === "delete") {
      if (!outcome.ok) {
        await this.#d.enablers.failed(
          doc._id,
          outcome.commandId,
          `delete failed: ${outcome.message}`,
        );
        return;
      }
      // Tombstone first: if we stop between the two writes, the record is still there and the
      // delete is re-sent; the agent's delete is idempotent.
      await this.#d.tombstones.bury(doc);
      await this.#d.enablers.remove(doc._id);
      await this.#d.revisions.removeAll(doc._id);
      return;
    }
    if (outcome.ok) {
      await this.#d.enablers.applied(doc._id, outcome.commandId, outcome.revision, outcome.objects);
      return;
    }
    const reason = outcome.staleRevision
      ? `the cluster already holds revision ${outcome.appliedRevision}: ${outcome.message}`
      : outcome.message || "the agent reported a failure without a reason";
    await this.#d.enablers.failed(doc._id, outcome.commandId, reason, outcome.objects);
  }

  async #deliver(clusterId: string): Promise<void> {
    const session = this.#d.sessions.get(clusterId);
    if (!session || session.ended) return;
    let sent = this.#sent.get(session);
    if (!sent) {
      sent = new Set();
      this.#sent.set(session, sent);
    }
    for (const doc of await this.#d.enablers.queuedFor(clusterId)) {
      const p = doc.pending;
      if (!p || sent.has(p.id)) continue;
      const message = await this.#messageFor(doc);
      if (!message) continue;
      if (!session.send(message)) return;
      sent.add(p.id);
      await this.#d.enablers.sent(doc._id, p.id);
    }
    for (const grave of await this.#d.tombstones.queuedFor(clusterId)) {
      if (!grave.pending || sent.has(grave.pending.id)) continue;
      if (!session.send(await this.#graveMessage(grave))) return;
      sent.add(grave.pending.id);
    }
  }

  async #messageFor(doc: EnablerDoc): Promise<HubMessage | undefined> {
    const p = doc.pending;
    if (!p) return undefined;
    const base = {
      commandId: p.id,
      release: doc.name,
      enablerId: doc._id,
      namespace: doc.namespace,
    };
    if (p.operation === "delete") {
      // The hooks of the revision the cluster holds (the current one if none was applied yet).
      const held = doc.appliedRevision ?? doc.currentRevision;
      const hooksGz = deleteHooksOf(await this.#d.revisions.objectsGz(doc._id, held));
      return deleteMessage({ ...base, timeoutMs: p.timeoutMs, hooksGz });
    }
    if (p.operation === "volumes") {
      return volumesMessage({ ...base, force: p.force === true, timeoutMs: p.timeoutMs });
    }
    const revision = p.revision ?? doc.currentRevision;
    const gz = await this.#d.revisions.objectsGz(doc._id, revision);
    if (!gz) {
      // Cannot happen while revisions are written before the enabler points at them.
      await this.#d.enablers.failed(
        doc._id,
        p.id,
        `revision ${revision} is missing from the store`,
      );
      return undefined;
    }
    return applyMessage({ ...base, revision, objectsGz: gz, timeoutMs: p.timeoutMs });
  }

  async #graveMessage(grave: TombstoneDoc): Promise<HubMessage> {
    const p = grave.pending;
    const base = {
      commandId: p?.id ?? "",
      release: grave.name,
      enablerId: grave._id,
      namespace: grave.namespace,
      timeoutMs: p?.timeoutMs ?? 0,
    };
    if (p?.operation === "volumes") return volumesMessage({ ...base, force: p.force === true });
    // A forced delete kept its revision for the hooks; a release found on reconnect has none.
    const gz =
      p?.revision !== undefined
        ? await this.#d.revisions.objectsGz(grave._id, p.revision)
        : undefined;
    return deleteMessage({ ...base, hooksGz: deleteHooksOf(gz) });
  }

  #volumesOutcome(outcome: CommandOutcome): VolumesOutcome {
    return {
      commandId: outcome.commandId,
      at: this.#d.now().toISOString(),
      ok: outcome.ok,
      ...(outcome.inUse ? { inUse: true as const } : {}),
      message: outcome.message,
      deleted: outcome.objects
        .filter((o) => o.action === "deleted")
        .map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`),
    };
  }
}
