import { FailureKind, type Logger } from "@smart-orchestrator/shared";
import type { EngineOutcome, EngineProgress } from "../apply/apply-engine.js";
import { CommandFailure } from "../apply/command-failure.js";
import type { ApplyInput, DeleteInput, DeleteVolumesInput } from "../apply/command-input.js";
import type { CommandEngine } from "../apply/command-runner.js";
import type { DesiredRelease, DesiredStateStore } from "./desired-release.js";
import { ReleaseLock } from "./release-lock.js";
import { type VolumeHints, type VolumeRemover, volumeHintsOf } from "./volume-remover.js";

/** Runs the hooks around a command; {@link HookRunner} is the real one. */
export interface HookStage {
  /** Splits hooks out of an Apply's objects: what the engine applies, and the hooks kept. */
  split(input: ApplyInput): { main: ApplyInput; hooks: ApplyInput["objects"]; tests: number };
  /** Runs the hooks of `phase` ("pre-install", ...); throws a CommandFailure when one fails. */
  run(
    phase: string,
    hooks: ApplyInput["objects"],
    input: Pick<ApplyInput, "release" | "enablerId" | "namespace" | "revision" | "timeoutMs">,
    progress: EngineProgress,
  ): Promise<void>;
}

/** Options for {@link ReleaseKeeper}. */
export interface ReleaseKeeperOptions {
  readonly engine: CommandEngine;
  readonly store: DesiredStateStore;
  readonly log: Logger;
  readonly hooks?: HookStage;
  /** Absent: DeleteVolumes is answered as unsupported. */
  readonly volumes?: VolumeRemover;
  readonly now?: () => number;
}

// Failures after which every object of the revision is in the cluster: the revision is what it holds.
const appliedAnyway = new Set([
  FailureKind.FAILURE_KIND_TIMEOUT,
  FailureKind.FAILURE_KIND_OBJECT_FAILED,
]);

/**
 * The engine as the command runner sees it, plus what issue 11 adds around
 * it: each release's desired state, saved before the command's result is
 * sent (so a revision reported applied is always one the agent can repair
 * to, hub or no hub), Helm hooks before and after, and one lock per release
 * shared with the drift repairer.
 */
export class ReleaseKeeper implements CommandEngine {
  readonly #o: ReleaseKeeperOptions;
  readonly #held = new Map<string, DesiredRelease>();
  readonly #lock = new ReleaseLock();
  readonly #now: () => number;
  #loaded = false;
  // Claim templates of deleted releases' StatefulSets, for a DeleteVolumes after the Delete.
  readonly #claimHints = new Map<string, VolumeHints>();

  constructor(options: ReleaseKeeperOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Loads what the store holds (at agent start, before any command or repair). */
  async load(): Promise<number> {
    const { releases, damaged } = await this.#o.store.loadAll();
    for (const d of damaged) this.#o.log.error({ entry: d }, "desired state unreadable; skipped");
    // A command that ran before a late load saved a newer state: keep that one.
    for (const r of releases) if (!this.#held.has(r.enablerId)) this.#held.set(r.enablerId, r);
    this.#loaded = true;
    this.#o.log.info(
      { releases: releases.length, where: this.#o.store.location },
      "desired state loaded",
    );
    return releases.length;
  }

  /**
   * Loads the store if no load succeeded yet (the API was down at start);
   * true when this call loaded it. The repairer and each session's greeting
   * call it.
   */
  async prepare(): Promise<boolean> {
    if (this.#loaded) return false;
    await this.load();
    return true;
  }

  /** Every release held, for the repairer and ReleaseStatus. */
  held(): DesiredRelease[] {
    return [...this.#held.values()];
  }

  /** Runs `work` while no command or other repair touches the release. */
  exclusive<T>(enablerId: string, work: () => Promise<T>): Promise<T> {
    return this.#lock.run(enablerId, work);
  }

  /** `signal` (a newer command for the release) is passed on to the engine's wait. */
  apply(input: ApplyInput, progress: EngineProgress, signal?: AbortSignal): Promise<EngineOutcome> {
    return this.#lock.run(input.enablerId, async () => {
      const split = this.#o.hooks?.split(input) ?? { main: input, hooks: [], tests: 0 };
      const phase = this.#held.has(input.enablerId) ? "upgrade" : "install";
      await this.#o.hooks?.run(`pre-${phase}`, split.hooks, input, progress);
      let out: EngineOutcome;
      try {
        out = await this.#o.engine.apply(split.main, progress, signal);
      } catch (err) {
        if (err instanceof CommandFailure && appliedAnyway.has(err.kind))
          await this.#save(split.main, split.hooks, split.tests);
        throw err;
      }
      await this.#save(split.main, split.hooks, split.tests);
      await this.#o.hooks?.run(`post-${phase}`, split.hooks, input, progress);
      if (split.tests > 0)
        this.#o.log.info({ release: input.release, tests: split.tests }, "test hooks skipped");
      return out;
    });
  }

  delete(input: DeleteInput, progress: EngineProgress): Promise<EngineOutcome> {
    return this.#lock.run(input.enablerId, async () => {
      const held = this.#held.get(input.enablerId);
      // The Delete carries the hooks when the control plane sends them; else the held revision's.
      const hooks = input.hooks?.length ? input.hooks : (held?.hooks ?? []);
      const at = { ...input, revision: held?.revision ?? 0 };
      if (held) this.#claimHints.set(input.enablerId, volumeHintsOf(held.objects));
      while (this.#claimHints.size > 1000)
        this.#claimHints.delete(this.#claimHints.keys().next().value as string);
      await this.#o.hooks?.run("pre-delete", hooks, at, progress);
      // Forget it first: from here on nothing may bring the release's objects back.
      await this.#forget(input.enablerId);
      const out = await this.#o.engine.delete(input, progress);
      await this.#o.hooks?.run("post-delete", hooks, at, progress);
      return out;
    });
  }

  /** Deletes the release's volumes (DeleteVolumes), under the release's lock. */
  deleteVolumes(input: DeleteVolumesInput, progress: EngineProgress): Promise<EngineOutcome> {
    const volumes = this.#o.volumes;
    if (!volumes)
      return Promise.reject(
        new CommandFailure(
          FailureKind.FAILURE_KIND_UNSUPPORTED,
          "this agent does not delete volumes",
        ),
      );
    return this.#lock.run(input.enablerId, () => {
      const held = this.#held.get(input.enablerId);
      const a = held ? volumeHintsOf(held.objects) : { templates: [], claims: [] };
      const b = this.#claimHints.get(input.enablerId) ?? { templates: [], claims: [] };
      const known = {
        templates: [...a.templates, ...b.templates],
        claims: [...a.claims, ...b.claims],
      };
      return volumes.remove(input, known, progress);
    });
  }

  async #save(input: ApplyInput, hooks: ApplyInput["objects"], tests: number): Promise<void> {
    const desired: DesiredRelease = {
      release: input.release,
      enablerId: input.enablerId,
      namespace: input.namespace,
      revision: input.revision,
      objects: input.objects,
      hooks,
      appliedAtMs: this.#now(),
      ...(tests > 0 ? { skippedTestHooks: tests } : {}),
    };
    try {
      await this.#o.store.save(desired);
    } catch (err) {
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_API,
        `applied, but the desired state could not be saved in ${this.#o.store.location}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.#held.set(input.enablerId, desired);
  }

  async #forget(enablerId: string): Promise<void> {
    this.#held.delete(enablerId);
    try {
      await this.#o.store.remove(enablerId);
    } catch (err) {
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_API,
        `the desired state could not be removed from ${this.#o.store.location}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
