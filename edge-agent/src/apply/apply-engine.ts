import {
  FailureKind,
  type Logger,
  ObjectAction,
  type ObjectStatus,
} from "@smart-orchestrator/shared";
import { deleteOrder, installOrder, isCrd } from "./apply-order.js";
import { CommandFailure, superseded } from "./command-failure.js";
import type { ApplyInput, DeleteInput } from "./command-input.js";
import { mapLimit } from "./map-limit.js";
import { type ApplyClient, applyOver, describeRef } from "./object-apply.js";
import { KubeApiError, type ObjectRef, type ResourceInfo, refOf } from "./object-client.js";
import { formatMs, status, summary } from "./object-status.js";
import {
  type ReadinessReader,
  ReadinessWaiter,
  systemClock,
  type WaitClock,
  type WaitState,
} from "./readiness-waiter.js";
import { ReleaseBook, type ReleaseRecord } from "./release-book.js";
import { deleteRelease } from "./release-delete.js";
import {
  type KubeObject,
  type ReleaseIdentity,
  releaseSelector,
  withReleaseLabels,
} from "./release-labels.js";
import { newestRevision, objectKey, type ScanClient, scanRelease } from "./release-scan.js";

// Reads in flight at once while the engine checks what a phase's objects overwrite.
const readsAtOnce = 8;

/** Everything the engine asks of the Kubernetes API; {@link ObjectClient} is the real one. */
export interface EngineClient extends ApplyClient, ReadinessReader, ScanClient {
  resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  forgetDiscovery(): void;
  createRaw(obj: KubeObject): Promise<KubeObject>;
  remove(ref: ObjectRef): Promise<boolean>;
}

/** Progress while a command runs: a one-line summary and the objects not ready yet. */
export type EngineProgress = (message: string, notReady: readonly ObjectStatus[]) => void;

/** What a finished command did. */
export interface EngineOutcome {
  readonly objects: readonly ObjectStatus[];
  readonly appliedRevision: number;
}

/** Options for {@link ApplyEngine}. */
export interface ApplyEngineOptions {
  readonly client: EngineClient;
  readonly log: Logger;
  readonly clock?: WaitClock;
  /** Least time between two progress reports (default 1 s). */
  readonly progressEveryMs?: number;
  readonly book?: ReleaseBook;
}

/**
 * Applies and deletes releases: server-side apply in dependency order with
 * the release's labels, CRDs established before anything that may use
 * them, prune of what the release no longer has (only objects it made),
 * then a wait for readiness within the command's timeout.
 */
export class ApplyEngine {
  readonly #c: EngineClient;
  readonly #log: Logger;
  readonly #clock: WaitClock;
  readonly #waiter: ReadinessWaiter;
  readonly #book: ReleaseBook;

  constructor(options: ApplyEngineOptions) {
    this.#c = options.client;
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#waiter = new ReadinessWaiter(options.client, this.#clock, {
      progressEveryMs: options.progressEveryMs,
    });
    this.#book = options.book ?? new ReleaseBook();
  }

  /** Makes the cluster hold `input`'s revision; throws CommandFailure when it cannot. */
  async apply(
    input: ApplyInput,
    progress: EngineProgress,
    signal?: AbortSignal,
  ): Promise<EngineOutcome> {
    if (signal?.aborted) throw superseded("before it started");
    const deadline = this.#clock.now() + input.timeoutMs;
    const { record, scanned } = await this.#recall(input);
    if (record.revision > input.revision)
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_STALE_REVISION,
        `revision ${input.revision} is older than revision ${record.revision}, which this cluster already holds`,
        { appliedRevision: record.revision },
      );
    // Created while the first objects are read (neither needs the other); awaited before any write.
    const namespace = this.#ensureNamespace(input.namespace);
    // Awaited in #applyAll; this only keeps an early failure from counting as unhandled meanwhile.
    namespace.catch(() => undefined);
    const statuses = new Map<string, ObjectStatus>();
    const ordered = installOrder(input.objects);
    const crds = ordered.filter(isCrd);
    const rest = ordered.filter((o) => !isCrd(o));
    const kinds = new Map<string, Pick<ObjectRef, "apiVersion" | "kind">>();
    for (const o of ordered)
      kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
    // From here on the cluster may hold objects of this revision: refuse older ones from now on.
    this.#book.set(input.enablerId, {
      release: input.release,
      revision: input.revision,
      kinds: [
        ...new Map([
          ...record.kinds.map((k) => [`${k.apiVersion}/${k.kind}`, k] as const),
          ...kinds,
        ]).values(),
      ],
      deleted: false,
    });
    const fail = (err: unknown): never => {
      if (!(err instanceof CommandFailure)) throw err;
      // A newer revision found on an object: remember it, so the next stale command is refused at once.
      if (err.appliedRevision !== undefined)
        this.#book.set(input.enablerId, { ...record, revision: err.appliedRevision });
      throw err.withObjects([...statuses.values(), ...err.objects]);
    };
    const applied: ObjectRef[] = [];
    try {
      if (crds.length > 0) {
        applied.push(...(await this.#applyAll(crds, input, statuses, namespace)));
        progress(`waiting for ${crds.length} CustomResourceDefinitions to be established`, []);
        const wait = await this.#waiter.wait(applied, {
          deadline,
          selector: releaseSelector(input),
          signal,
        });
        if (wait.aborted) throw superseded("while CRDs were being established");
        this.#checkWait(wait.states, input.timeoutMs, statuses, "established");
        this.#c.forgetDiscovery();
      }
      applied.push(...(await this.#applyAll(rest, input, statuses, namespace)));
    } catch (err) {
      fail(err);
    }
    const current = new Set(applied.map(objectKey));
    // Never applied here before (a first revision): nothing to prune, and no lists to pay for.
    const neverApplied = record.revision === 0 && record.kinds.length === 0;
    const candidates =
      scanned ??
      (neverApplied
        ? []
        : await scanRelease(this.#c, input, [...(this.#book.get(input.enablerId)?.kinds ?? [])]));
    for (const o of deleteOrder(candidates)) {
      const ref = refOf(o);
      if (current.has(objectKey(ref))) continue;
      try {
        await this.#c.remove(ref);
      } catch (err) {
        throw new CommandFailure(
          FailureKind.FAILURE_KIND_API,
          `prune ${describeRef(ref)}: ${(err as Error).message}`,
          { objects: [...statuses.values()], cause: err },
        );
      }
      statuses.set(objectKey(ref), status(ref, ObjectAction.OBJECT_ACTION_PRUNED, true));
      this.#log.info({ release: input.release, object: describeRef(ref) }, "pruned");
    }
    this.#book.set(input.enablerId, {
      release: input.release,
      revision: input.revision,
      kinds: [...kinds.values()],
      deleted: false,
    });
    const wait = await this.#waiter.wait(applied, {
      deadline,
      selector: releaseSelector(input),
      progress: (notReady) =>
        progress(
          `waiting for ${notReady.length} of ${applied.length} objects: ${summary(notReady, 900)}`,
          this.#waitStatuses(notReady, statuses),
        ),
      signal,
    });
    if (wait.aborted) {
      for (const s of wait.states) {
        const action =
          statuses.get(objectKey(s.ref))?.action ?? ObjectAction.OBJECT_ACTION_UNSPECIFIED;
        statuses.set(objectKey(s.ref), status(s.ref, action, s.ready, s.message));
      }
      throw superseded("while it waited for readiness", [...statuses.values()]);
    }
    this.#checkWait(wait.states, input.timeoutMs, statuses, "ready");
    return { objects: [...statuses.values()], appliedRevision: input.revision };
  }

  /** Removes every object of a release; throws CommandFailure when some are still there at the deadline. */
  delete(input: DeleteInput, progress: EngineProgress): Promise<EngineOutcome> {
    return deleteRelease(
      { client: this.#c, clock: this.#clock, book: this.#book, waiter: this.#waiter },
      input,
      progress,
    );
  }

  async #recall(
    input: ReleaseIdentity & { revision?: number },
  ): Promise<{ record: ReleaseRecord; scanned?: KubeObject[] }> {
    const known = this.#book.get(input.enablerId);
    if (known) return { record: known };
    const empty = { release: input.release, revision: 0, kinds: [], deleted: false };
    // A first revision has nothing to prune; objects of a newer one are caught one by one as they are read.
    if (input.revision === 1) return { record: empty };
    // Nothing remembered (the agent restarted): the cluster itself says what the release holds.
    const scanned = await scanRelease(this.#c, input);
    return { record: { ...empty, revision: newestRevision(scanned) }, scanned };
  }

  async #ensureNamespace(name: string): Promise<void> {
    const ns = { apiVersion: "v1", kind: "Namespace", name };
    // Create first: one request whether it is new (201) or already there (409), not a read and then a write.
    try {
      await this.#c.createRaw({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 409) return;
      // Allowed to read it but not to create it (a narrower role): fine if it is there.
      if (
        err instanceof KubeApiError &&
        err.code === 403 &&
        (await this.#c.get(ns).catch(() => undefined))
      )
        return;
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_API,
        `namespace ${name}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  async #applyAll(
    objects: readonly KubeObject[],
    input: ApplyInput,
    statuses: Map<string, ObjectStatus>,
    namespace: Promise<void>,
  ): Promise<ObjectRef[]> {
    const placed: KubeObject[] = [];
    for (const raw of objects) {
      const info = await this.#c.resourceInfo(raw.apiVersion, raw.kind).catch((err: unknown) => {
        throw new CommandFailure(
          FailureKind.FAILURE_KIND_API,
          `discovery of ${raw.apiVersion}: ${(err as Error).message}`,
          { cause: err },
        );
      });
      if (!info)
        throw new CommandFailure(
          FailureKind.FAILURE_KIND_INVALID,
          `${raw.kind} ${raw.metadata.name}: ${raw.apiVersion} ${raw.kind} is not served by this cluster`,
        );
      const { namespace: ns, ...meta } = raw.metadata;
      placed.push(
        withReleaseLabels(
          {
            ...raw,
            metadata: info.namespaced ? { ...meta, namespace: ns ?? input.namespace } : meta,
          },
          input,
          input.revision,
        ),
      );
    }
    const seen = new Set(statuses.keys());
    for (const obj of placed) {
      const key = objectKey(refOf(obj));
      if (seen.has(key))
        throw new CommandFailure(
          FailureKind.FAILURE_KIND_INVALID,
          `${describeRef(refOf(obj))} appears twice`,
        );
      seen.add(key);
    }
    // Every apply needs what is there now, and those reads do not depend on each other: read them
    // a few at a time up front, then write in order (one round trip per object instead of two).
    const lives = await mapLimit(placed, readsAtOnce, (obj) => this.#c.get(refOf(obj)));
    await namespace;
    const refs: ObjectRef[] = [];
    for (const [i, obj] of placed.entries()) {
      const ref = refOf(obj);
      try {
        const action = await applyOver(this.#c, obj, {
          id: input,
          force: input.forceConflicts,
          live: lives[i],
        });
        statuses.set(
          objectKey(ref),
          status(ref, action, false, "applied, readiness not checked yet"),
        );
      } catch (err) {
        if (err instanceof CommandFailure)
          throw err.withObjects([
            status(ref, ObjectAction.OBJECT_ACTION_UNSPECIFIED, false, err.message),
          ]);
        throw err;
      }
      refs.push(ref);
    }
    return refs;
  }

  #waitStatuses(states: readonly WaitState[], statuses: Map<string, ObjectStatus>): ObjectStatus[] {
    return states.slice(0, 1000).map((s) => {
      const action =
        statuses.get(objectKey(s.ref))?.action ?? ObjectAction.OBJECT_ACTION_UNSPECIFIED;
      return status(s.ref, action, s.ready, s.message);
    });
  }

  #checkWait(
    states: readonly WaitState[],
    timeoutMs: number,
    statuses: Map<string, ObjectStatus>,
    what: string,
  ): void {
    for (const s of states) {
      const key = objectKey(s.ref);
      const prev = statuses.get(key);
      statuses.set(
        key,
        status(s.ref, prev?.action ?? ObjectAction.OBJECT_ACTION_UNSPECIFIED, s.ready, s.message),
      );
    }
    const notReady = states.filter((s) => !s.ready);
    if (notReady.length === 0) return;
    const failed = notReady.filter((s) => s.failed);
    if (failed.length > 0)
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_OBJECT_FAILED,
        `failed: ${summary(failed)}`,
        {
          objects: [...statuses.values()],
        },
      );
    throw new CommandFailure(
      FailureKind.FAILURE_KIND_TIMEOUT,
      `not ${what} within ${formatMs(timeoutMs)}: ${summary(notReady)}`,
      { objects: [...statuses.values()] },
    );
  }
}
