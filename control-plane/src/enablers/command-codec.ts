import {
  type Command,
  type CommandProgress,
  type CommandResult,
  FailureKind,
  type HubMessage,
  ObjectAction,
  type ObjectStatus as WireObjectStatus,
} from "@smart-orchestrator/shared";
import type { ObjectStatus } from "./enabler-doc.js";

/** What an Apply command carries. */
export interface ApplySpec {
  readonly commandId: string;
  readonly release: string;
  readonly enablerId: string;
  readonly namespace: string;
  readonly revision: number;
  readonly objectsGz: Buffer;
  readonly timeoutMs: number;
}

/** What a Delete command carries. */
export interface DeleteSpec {
  readonly commandId: string;
  readonly release: string;
  readonly enablerId: string;
  readonly namespace: string;
  /** How long the agent waits for the objects to be gone. */
  readonly timeoutMs: number;
  /** The release's pre-/post-delete hooks (gzipped JSON); empty: the agent's held ones. */
  readonly hooksGz?: Buffer;
}

/** What a DeleteVolumes command carries. */
export interface VolumesSpec {
  readonly commandId: string;
  readonly release: string;
  readonly enablerId: string;
  readonly namespace: string;
  /** Delete even while the release's workloads run. */
  readonly force: boolean;
  readonly timeoutMs: number;
}

/** An agent's answer to a command, in our terms. */
export interface CommandOutcome {
  readonly commandId: string;
  readonly ok: boolean;
  readonly message: string;
  readonly revision: number;
  readonly objects: ObjectStatus[];
  /** Set when the agent says the cluster already holds a newer revision. */
  readonly staleRevision: boolean;
  /** Set when a volume delete was refused because the workloads still run. */
  readonly inUse: boolean;
  readonly appliedRevision: number;
}

/** Progress on a running command. */
export interface CommandProgressReport {
  readonly commandId: string;
  readonly revision: number;
  readonly message: string;
  /** The objects not ready yet. */
  readonly waitingFor: ObjectStatus[];
}

type Action = NonNullable<Command["action"]>;

function commandMessage(id: string, action: Action): HubMessage {
  return { body: { $case: "command", value: { id, action } } };
}

/** The hub message for an Apply. */
export function applyMessage(spec: ApplySpec): HubMessage {
  return commandMessage(spec.commandId, {
    $case: "apply",
    value: {
      release: spec.release,
      enablerId: spec.enablerId,
      namespace: spec.namespace,
      revision: spec.revision,
      objects: spec.objectsGz,
      timeoutMs: spec.timeoutMs,
      // A field owned by another manager stops the apply and is named; never overridden.
      forceConflicts: false,
    },
  });
}

/** The hub message for a Delete. */
export function deleteMessage(spec: DeleteSpec): HubMessage {
  return commandMessage(spec.commandId, {
    $case: "delete",
    value: {
      release: spec.release,
      enablerId: spec.enablerId,
      namespace: spec.namespace,
      timeoutMs: spec.timeoutMs,
      // Empty: the agent runs the delete hooks of the revision it holds.
      hooks: spec.hooksGz ?? Buffer.alloc(0),
    },
  });
}

/** The hub message for a DeleteVolumes. */
export function volumesMessage(spec: VolumesSpec): HubMessage {
  return commandMessage(spec.commandId, {
    $case: "deleteVolumes",
    value: {
      release: spec.release,
      enablerId: spec.enablerId,
      namespace: spec.namespace,
      force: spec.force,
      timeoutMs: spec.timeoutMs,
    },
  });
}

/** Reads a CommandResult. */
export function readResult(result: CommandResult): CommandOutcome {
  return {
    commandId: result.commandId,
    ok: result.ok,
    message: result.message,
    revision: result.revision,
    objects: result.objects.map(readObject),
    staleRevision: result.failure === FailureKind.FAILURE_KIND_STALE_REVISION,
    inUse: result.failure === FailureKind.FAILURE_KIND_IN_USE,
    appliedRevision: result.appliedRevision,
  };
}

/** Reads a CommandProgress. */
export function readProgress(progress: CommandProgress): CommandProgressReport {
  return {
    commandId: progress.commandId,
    revision: progress.revision,
    message: progress.message,
    waitingFor: progress.objects.map(readObject),
  };
}

const actionNames: Readonly<Partial<Record<ObjectAction, string>>> = {
  [ObjectAction.OBJECT_ACTION_CREATED]: "created",
  [ObjectAction.OBJECT_ACTION_CONFIGURED]: "configured",
  [ObjectAction.OBJECT_ACTION_UNCHANGED]: "unchanged",
  [ObjectAction.OBJECT_ACTION_PRUNED]: "pruned",
  [ObjectAction.OBJECT_ACTION_DELETED]: "deleted",
};

function readObject(o: WireObjectStatus): ObjectStatus {
  return {
    group: o.group,
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    action: actionNames[o.action] ?? "none",
    ready: o.ready,
    message: o.message,
  };
}
