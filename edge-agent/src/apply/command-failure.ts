import { FailureKind, type ObjectStatus } from "@smart-orchestrator/shared";

/**
 * Why a command failed, carried up to the runner, which turns it into a
 * CommandResult: the kind for the control plane's decisions, the message
 * for people, and the per-object statuses gathered so far.
 */
export class CommandFailure extends Error {
  readonly kind: FailureKind;
  readonly objects: readonly ObjectStatus[];
  /** Set when the failure says which revision the cluster holds (a stale one was refused). */
  readonly appliedRevision: number | undefined;

  constructor(
    kind: FailureKind,
    message: string,
    options: { objects?: readonly ObjectStatus[]; appliedRevision?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "CommandFailure";
    this.kind = kind;
    this.objects = options.objects ?? [];
    this.appliedRevision = options.appliedRevision;
  }

  /** The same failure carrying `objects` instead (everything else kept). */
  withObjects(objects: readonly ObjectStatus[]): CommandFailure {
    return new CommandFailure(this.kind, this.message, {
      objects,
      cause: this.cause,
      ...(this.appliedRevision === undefined ? {} : { appliedRevision: this.appliedRevision }),
    });
  }
}

/** A command that could not be read. */
export function invalid(field: string, reason: string): CommandFailure {
  return new CommandFailure(FailureKind.FAILURE_KIND_INVALID, `${field}: ${reason}`);
}

/** A command cut short because a newer command for the same release arrived. */
export function superseded(when: string, objects: readonly ObjectStatus[] = []): CommandFailure {
  return new CommandFailure(
    FailureKind.FAILURE_KIND_SUPERSEDED,
    `superseded by a newer command for this release ${when}`,
    { objects },
  );
}
