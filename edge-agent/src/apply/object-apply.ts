import { FailureKind, ObjectAction } from "@smart-orchestrator/shared";
import { CommandFailure } from "./command-failure.js";
import { KubeApiError, type ObjectRef, refOf } from "./object-client.js";
import {
  type KubeObject,
  ownerEnablerId,
  type ReleaseIdentity,
  releaseKeys,
} from "./release-labels.js";

/** The writes and reads applying one object needs; ObjectClient provides them. */
export interface ApplyClient {
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  apply(obj: KubeObject, force: boolean): Promise<KubeObject>;
}

/** Describes an object for messages: "Deployment default/web". */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

// What differs between two reads of an unchanged object: the server's bookkeeping and ours.
function comparable(o: KubeObject): string {
  const {
    resourceVersion: _rv,
    managedFields: _mf,
    generation: _g,
    annotations,
    ...meta
  } = o.metadata;
  const { [releaseKeys.revision]: _rev, ...rest } = annotations ?? {};
  const { status: _s, ...body } = o;
  return canonical({ ...body, metadata: { ...meta, annotations: rest } });
}

/** JSON with object keys sorted at every level, so equal objects give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

function conflictMessage(err: KubeApiError): string {
  const causes = err.causes.filter((c) => c.reason === "FieldManagerConflict");
  if (causes.length === 0) return err.message;
  const parts = causes.slice(0, 8).map((c) => `${c.message ?? "conflict"} on ${c.field ?? "?"}`);
  const more = causes.length > 8 ? ` and ${causes.length - 8} more` : "";
  return `field manager conflict: ${parts.join("; ")}${more} (set force_conflicts to take these fields over)`;
}

/**
 * Server-side applies one labelled object and says what happened to it.
 * An object that exists without this release's labels is never taken over:
 * it was made by someone else (or another enabler), so deleting it later
 * would delete what the agent did not create. Conflicts name the manager.
 */
export async function applyObject(
  client: ApplyClient,
  obj: KubeObject,
  id: ReleaseIdentity & { readonly revision: number },
  force: boolean,
): Promise<ObjectAction> {
  return applyOver(client, obj, { id, force, live: await client.get(refOf(obj)) });
}

/** What {@link applyOver} needs besides the object. */
export interface ApplyOverOptions {
  readonly id: ReleaseIdentity & { readonly revision: number };
  readonly force: boolean;
  /** The object as it is in the cluster now (undefined: not there), read just before. */
  readonly live: KubeObject | undefined;
}

/** {@link applyObject} with the live object already read (the engine reads a phase's objects at once). */
export async function applyOver(
  client: Pick<ApplyClient, "apply">,
  obj: KubeObject,
  options: ApplyOverOptions,
): Promise<ObjectAction> {
  const { id, force, live } = options;
  const ref = refOf(obj);
  const liveRevision = Number(live?.metadata.annotations?.[releaseKeys.revision] ?? 0);
  if (live && ownerEnablerId(live.metadata) === id.enablerId && liveRevision > id.revision)
    throw new CommandFailure(
      FailureKind.FAILURE_KIND_STALE_REVISION,
      `${describeRef(ref)} already holds revision ${liveRevision}, newer than ${id.revision}`,
      { appliedRevision: liveRevision },
    );
  if (live) {
    const owner = ownerEnablerId(live.metadata);
    if (owner !== id.enablerId) {
      const managers = [
        ...new Set(
          ((live.metadata.managedFields as { manager?: string }[] | undefined) ?? []).map(
            (m) => m.manager,
          ),
        ),
      ];
      const who = owner
        ? `it belongs to another enabler (id ${owner}, release ${live.metadata.labels?.[releaseKeys.instance] ?? "?"})`
        : `it exists and was not created by smart-orchestrator (managers: ${managers.join(", ") || "none recorded"})`;
      throw new CommandFailure(FailureKind.FAILURE_KIND_CONFLICT, `${describeRef(ref)}: ${who}`);
    }
  }
  let result: KubeObject;
  try {
    result = await client.apply(obj, force);
  } catch (err) {
    if (err instanceof KubeApiError && err.code === 409)
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_CONFLICT,
        `${describeRef(ref)}: ${conflictMessage(err)}`,
        { cause: err },
      );
    if (err instanceof KubeApiError && (err.code === 422 || err.code === 400))
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_INVALID,
        `${describeRef(ref)}: ${err.message}`,
        { cause: err },
      );
    throw new CommandFailure(
      FailureKind.FAILURE_KIND_API,
      `${describeRef(ref)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!live) return ObjectAction.OBJECT_ACTION_CREATED;
  return comparable(live) === comparable(result)
    ? ObjectAction.OBJECT_ACTION_UNCHANGED
    : ObjectAction.OBJECT_ACTION_CONFIGURED;
}
