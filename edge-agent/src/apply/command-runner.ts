import {
  type Command,
  type CommandProgress,
  CommandResult,
  FailureKind,
  type Logger,
  type ObjectStatus,
} from "@smart-orchestrator/shared";
import type { EngineOutcome, EngineProgress } from "./apply-engine.js";
import { CommandFailure, superseded } from "./command-failure.js";
import {
  type ApplyInput,
  type DeleteInput,
  type DeleteVolumesInput,
  readApply,
  readDelete,
  readDeleteVolumes,
} from "./command-input.js";

/** The engine as the runner uses it. */
export interface CommandEngine {
  /** `signal` aborts when a newer command for the release arrives: stop waiting, say so. */
  apply(input: ApplyInput, progress: EngineProgress, signal?: AbortSignal): Promise<EngineOutcome>;
  delete(input: DeleteInput, progress: EngineProgress): Promise<EngineOutcome>;
  /** Absent: DeleteVolumes is answered as unsupported. */
  deleteVolumes?(input: DeleteVolumesInput, progress: EngineProgress): Promise<EngineOutcome>;
}

/** Options for {@link CommandRunner}. */
export interface CommandRunnerOptions {
  readonly engine: CommandEngine;
  /** False with `--no-deploy`: every command is refused with the reason. */
  readonly deployEnabled: boolean;
  readonly log: Logger;
  /** Finished results kept for repeated ids (default 256)... */
  readonly maxRecords?: number;
  /** ...and at most this many encoded bytes of them (default 4 MiB). */
  readonly maxRecordBytes?: number;
  /** Commands running at once across releases (default 4); one release runs one at a time. */
  readonly maxConcurrent?: number;
}

type Send = (p: CommandProgress) => void;

interface Running {
  readonly result: Promise<CommandResult>;
  readonly listeners: Send[];
}

/** Why commands are refused under `--no-deploy`. */
export const deployDisabledMessage =
  "this agent was installed without the deploy role (--no-deploy): it does not apply or delete anything; reinstall it with deploy enabled";

/**
 * Runs hub commands exactly once per id. A repeated id is answered from the
 * recorded result, or, while the first run is still going, joins it (its
 * progress goes to both streams) and gets the same result. Records are kept
 * encoded and bounded by count and bytes: a repeat after they are gone, or
 * after a restart, runs again, which Apply and Delete tolerate by design.
 */
export class CommandRunner {
  readonly #o: CommandRunnerOptions;
  readonly #done = new Map<string, Uint8Array>();
  #doneBytes = 0;
  readonly #running = new Map<string, Running>();
  readonly #releaseTail = new Map<string, Promise<unknown>>();
  /** Per release, the newest command's abort controller; a newer command aborts the older one. */
  readonly #latest = new Map<string, AbortController>();
  #active = 0;
  readonly #slots: (() => void)[] = [];

  constructor(options: CommandRunnerOptions) {
    this.#o = options;
  }

  /** Commands currently running or waiting for their release or a slot. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Runs `command` (or joins/answers its earlier run); never rejects. */
  handle(command: Command, progress: Send): Promise<CommandResult> {
    const id = command.id.slice(0, 128);
    const recorded = this.#done.get(id);
    if (recorded) return Promise.resolve(CommandResult.decode(recorded));
    const running = this.#running.get(id);
    if (running) {
      // A repeat after a reconnect: the new stream is the live one; keep a few.
      running.listeners.push(progress);
      if (running.listeners.length > 4) running.listeners.shift();
      return running.result;
    }
    const listeners: Send[] = [progress];
    const send: Send = (p) => {
      for (const l of listeners) l(p);
    };
    const result = this.#run(id, command, send).then((r) => {
      this.#running.delete(id);
      this.#record(id, r);
      return r;
    });
    this.#running.set(id, { result, listeners });
    return result;
  }

  async #run(id: string, command: Command, send: Send): Promise<CommandResult> {
    const fail = (kind: FailureKind, message: string, extra: Partial<CommandResult> = {}) =>
      CommandResult.fromPartial({
        commandId: id,
        failure: kind,
        message: message.slice(0, 4096),
        ...extra,
      });
    if (!this.#o.deployEnabled)
      return fail(FailureKind.FAILURE_KIND_DEPLOY_DISABLED, deployDisabledMessage);
    const action = command.action;
    if (!action)
      return fail(
        FailureKind.FAILURE_KIND_UNSUPPORTED,
        "this agent does not know this command's action (is the hub newer?)",
      );
    const engine = this.#o.engine;
    if (action.$case === "deleteVolumes" && !engine.deleteVolumes)
      return fail(FailureKind.FAILURE_KIND_UNSUPPORTED, "this agent does not delete volumes");
    let input: ApplyInput | DeleteInput | DeleteVolumesInput;
    try {
      input =
        action.$case === "apply"
          ? readApply(action.value)
          : action.$case === "delete"
            ? readDelete(action.value)
            : readDeleteVolumes(action.value);
    } catch (err) {
      if (err instanceof CommandFailure) return fail(err.kind, err.message);
      throw err;
    }
    const revision = action.$case === "apply" ? (input as ApplyInput).revision : 0;
    const progress: EngineProgress = (message, objects) =>
      send({
        commandId: id,
        revision,
        message: message.slice(0, 1024),
        objects: objects.slice(0, 1000) as ObjectStatus[],
      });
    // One pending apply or delete per release, as the control plane keeps it: a newer one cuts an
    // older one short. Volume deletes stand apart (they follow a delete and must not cancel it).
    const controller = new AbortController();
    if (action.$case !== "deleteVolumes") {
      this.#latest.get(input.enablerId)?.abort();
      this.#latest.set(input.enablerId, controller);
    }
    const log = this.#o.log.child({
      commandId: id,
      release: input.release,
      action: action.$case,
      revision,
    });
    return this.#serial(input.enablerId, async () => {
      log.info("command started");
      try {
        if (controller.signal.aborted) throw superseded("before it started");
        const out =
          action.$case === "apply"
            ? await engine.apply(input as ApplyInput, progress, controller.signal)
            : action.$case === "delete"
              ? await engine.delete(input as DeleteInput, progress)
              : await (engine.deleteVolumes as NonNullable<CommandEngine["deleteVolumes"]>)(
                  input as DeleteVolumesInput,
                  progress,
                );
        log.info({ objects: out.objects.length }, "command done");
        return CommandResult.fromPartial({
          commandId: id,
          ok: true,
          revision,
          objects: out.objects.slice(0, 10_000) as ObjectStatus[],
          appliedRevision: out.appliedRevision,
        });
      } catch (err) {
        const f =
          err instanceof CommandFailure
            ? err
            : new CommandFailure(
                FailureKind.FAILURE_KIND_API,
                (err as Error).message ?? String(err),
                { cause: err },
              );
        log.warn({ failure: FailureKind[f.kind], reason: f.message }, "command failed");
        return fail(f.kind, f.message, {
          revision,
          objects: f.objects.slice(0, 10_000) as ObjectStatus[],
          appliedRevision: f.appliedRevision ?? 0,
        });
      } finally {
        if (this.#latest.get(input.enablerId) === controller) this.#latest.delete(input.enablerId);
      }
    });
  }

  // One command per release at a time (a revision check then a write must not interleave), a few overall.
  async #serial<T>(release: string, work: () => Promise<T>): Promise<T> {
    const before = this.#releaseTail.get(release) ?? Promise.resolve();
    const mine = before.then(async () => {
      await this.#slot();
      try {
        return await work();
      } finally {
        this.#active--;
        this.#slots.shift()?.();
      }
    });
    const tail = mine.catch(() => undefined);
    this.#releaseTail.set(release, tail);
    void tail.then(() => {
      if (this.#releaseTail.get(release) === tail) this.#releaseTail.delete(release);
    });
    return mine;
  }

  #slot(): Promise<void> {
    if (this.#active < (this.#o.maxConcurrent ?? 4)) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.#slots.push(() => {
        this.#active++;
        resolve();
      }),
    );
  }

  #record(id: string, result: CommandResult): void {
    const bytes = CommandResult.encode(result).finish();
    const maxBytes = this.#o.maxRecordBytes ?? 4 * 1024 * 1024;
    if (bytes.length > maxBytes) return;
    this.#done.set(id, bytes);
    this.#doneBytes += bytes.length;
    const maxRecords = this.#o.maxRecords ?? 256;
    for (const [oldId, old] of this.#done) {
      if (this.#done.size <= maxRecords && this.#doneBytes <= maxBytes) break;
      this.#done.delete(oldId);
      this.#doneBytes -= old.length;
    }
  }
}
