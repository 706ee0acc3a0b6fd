import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import type { NewDoc } from "../store/store.js";
import {
  type EnablerDoc,
  type EnablerStatus,
  maxStatusMoves,
  type PendingCommand,
  type RevisionSummary,
  statusOfOperation,
} from "./enabler-doc.js";
import type { ClusterVerdict } from "./release-report.js";

/**
 * The next state of an enabler document, as pure functions of the current
 * one. Only EnablerRecords stores what they return (inside its
 * read-modify-write retry), so they may run more than once per write.
 */

/** Changes an upgrade makes to the stored request, besides the new revision. */
export type UpgradeChanges = Partial<
  Pick<EnablerDoc, "values" | "versionSpec" | "timeout" | "timeoutMs">
>;

/** What starting a command changes besides the command itself. */
export interface StartOptions {
  /** Set while the cluster is not connected: the command waits in the outbox. */
  readonly waitingReason: string | undefined;
  /** An upgrade's new revision. */
  readonly revision?: RevisionSummary;
  readonly changes?: UpgradeChanges;
}

/** The document without its store version, ready to be written back. */
export function strip(doc: EnablerDoc): NewDoc<EnablerDoc> {
  const { _v, ...rest } = doc;
  return rest;
}

/** A status move, kept in the bounded `moves` history. */
export function moved(
  doc: EnablerDoc,
  status: EnablerStatus,
  reason: string,
  at: Date,
): NewDoc<EnablerDoc> {
  const when = at.toISOString();
  const moves = [...doc.moves, { status, reason, at: when }].slice(-maxStatusMoves);
  return { ...strip(doc), status, statusReason: reason, moves, updatedAt: when };
}

/** The command in flight is over: its outbox entry and progress go. */
export function withoutCommand(doc: NewDoc<EnablerDoc>): NewDoc<EnablerDoc> {
  const { pending: _p, pendingCommandId: _c, progress: _g, ...rest } = doc;
  return rest;
}

/**
 * Starts an upgrade or a delete (or a volume delete) on an idle enabler.
 * Throws the 409 naming the operation in flight when one is pending.
 */
export function started(
  doc: EnablerDoc,
  command: PendingCommand,
  options: StartOptions,
  at: Date,
): NewDoc<EnablerDoc> {
  assertIdle(doc);
  if (command.operation === "volumes") {
    // Deleting volumes leaves the status alone: only the outbox entry is written.
    return { ...strip(doc), pending: command, pendingCommandId: command.id };
  }
  // A delete shows Deleting even while it waits for the cluster (DELETE answers 202 Deleting).
  const status =
    options.waitingReason && command.operation !== "delete"
      ? "Pending"
      : statusOfOperation(command.operation, doc.status);
  const reason =
    options.waitingReason ??
    (command.operation === "delete" ? "deleting" : `upgrading to revision ${command.revision}`);
  return {
    ...moved(doc, status, reason, at),
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
}

/**
 * The document after the cluster's word on it at a session start: the
 * confirmation and last repair always, plus the status move or the
 * re-apply command (`reapply`) the verdict calls for.
 */
export function reconciled(
  doc: EnablerDoc,
  verdict: ClusterVerdict,
  reapply: PendingCommand | undefined,
  at: Date,
): NewDoc<EnablerDoc> {
  const extra = {
    confirmed: verdict.confirmed,
    ...(verdict.lastRepair ? { lastRepair: verdict.lastRepair } : {}),
    ...(verdict.appliedRevision !== undefined ? { appliedRevision: verdict.appliedRevision } : {}),
  };
  if (verdict.reapply && reapply) {
    return {
      ...moved(doc, statusOfOperation(reapply.operation, doc.status), verdict.reapply, at),
      ...extra,
      pending: reapply,
      pendingCommandId: reapply.id,
    };
  }
  if (verdict.move)
    return { ...moved(doc, verdict.move.status, verdict.move.reason, at), ...extra };
  return { ...strip(doc), ...extra };
}

function assertIdle(doc: EnablerDoc): void {
  const p = doc.pending;
  if (!p) return;
  const what =
    p.operation === "delete"
      ? "a delete"
      : p.operation === "volumes"
        ? "a volume delete"
        : `${p.operation === "upgrade" ? "an" : "a"} ${p.operation} of revision ${p.revision}`;
  throw new AppError(
    ErrorCode.Conflict,
    `enabler ${doc.name} is busy: ${what} is in flight (status ${doc.status}); try again when it is done`,
  );
}
