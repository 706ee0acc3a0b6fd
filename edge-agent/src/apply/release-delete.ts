import { FailureKind, ObjectAction, type ObjectStatus } from "@smart-orchestrator/shared";
import type { EngineClient, EngineOutcome, EngineProgress } from "./apply-engine.js";
import { deleteOrder } from "./apply-order.js";
import { CommandFailure } from "./command-failure.js";
import type { DeleteInput } from "./command-input.js";
import { describeRef } from "./object-apply.js";
import { type ObjectRef, refOf } from "./object-client.js";
import { formatMs, status } from "./object-status.js";
import type { ReadinessWaiter, WaitClock } from "./readiness-waiter.js";
import type { ReleaseBook } from "./release-book.js";
import { releaseSelector } from "./release-labels.js";
import { newestRevision, objectKey, scanRelease } from "./release-scan.js";

/** What a delete needs from the engine. */
export interface DeleteDeps {
  readonly client: EngineClient;
  readonly clock: WaitClock;
  readonly book: ReleaseBook;
  readonly waiter: ReadinessWaiter;
}

/**
 * Deletes every object of a release, found by its labels over every served
 * kind (memory could be stale after a restart), dependents first, then waits
 * until they are gone: finalizers, such as a claim's while a pod uses it,
 * can hold an object for a while. The release's revision is kept, so a late
 * Apply of it is refused instead of bringing it back.
 */
export async function deleteRelease(
  deps: DeleteDeps,
  input: DeleteInput,
  progress: EngineProgress,
): Promise<EngineOutcome> {
  const { client, clock, book } = deps;
  const deadline = clock.now() + input.timeoutMs;
  const previous = book.get(input.enablerId);
  const found = await scanRelease(client, input);
  const statuses = new Map<string, ObjectStatus>();
  const removed: ObjectRef[] = [];
  for (const o of deleteOrder(found)) {
    const ref = refOf(o);
    try {
      if (await client.remove(ref)) removed.push(ref);
    } catch (err) {
      throw new CommandFailure(FailureKind.FAILURE_KIND_API, (err as Error).message, {
        objects: [...statuses.values()],
        cause: err,
      });
    }
    statuses.set(
      objectKey(ref),
      status(ref, ObjectAction.OBJECT_ACTION_DELETED, false, "deleting"),
    );
  }
  book.set(input.enablerId, {
    release: input.release,
    revision: Math.max(previous?.revision ?? 0, newestRevision(found)),
    kinds: [],
    deleted: true,
  });
  // Watched, like readiness: an object is gone the moment the API server says so.
  const left = await waitGone(
    deps,
    removed,
    { deadline, selector: releaseSelector(input) },
    progress,
  );
  const still = new Set(left.map(objectKey));
  for (const ref of removed) {
    const gone = !still.has(objectKey(ref));
    statuses.set(
      objectKey(ref),
      status(
        ref,
        ObjectAction.OBJECT_ACTION_DELETED,
        gone,
        gone ? "" : "still there (finalizers?)",
      ),
    );
  }
  if (left.length > 0)
    throw new CommandFailure(
      FailureKind.FAILURE_KIND_TIMEOUT,
      `still present after ${formatMs(input.timeoutMs)}: ${left.map(describeRef).join(", ").slice(0, 4000)}`,
      { objects: [...statuses.values()] },
    );
  return { objects: [...statuses.values()], appliedRevision: 0 };
}

async function waitGone(
  deps: DeleteDeps,
  refs: readonly ObjectRef[],
  options: { deadline: number; selector: string },
  progress: EngineProgress,
): Promise<ObjectRef[]> {
  const out = await deps.waiter.wait(refs, {
    ...options,
    gone: true,
    progress: (left) => {
      const names = left
        .slice(0, 20)
        .map((s) => describeRef(s.ref))
        .join(", ");
      progress(`waiting for ${left.length} objects to be gone: ${names}`, []);
    },
  });
  return out.states.filter((s) => !s.ready).map((s) => s.ref);
}
