import { FailureKind, type Logger } from "@smart-orchestrator/shared";
import type { EngineClient, EngineProgress } from "../apply/apply-engine.js";
import { installOrder, phaseOf } from "../apply/apply-order.js";
import { CommandFailure } from "../apply/command-failure.js";
import type { ApplyInput } from "../apply/command-input.js";
import { describeRef } from "../apply/object-apply.js";
import { KubeApiError, type ObjectRef, refOf } from "../apply/object-client.js";
import type { Readiness } from "../apply/readiness.js";
import { ReadinessWaiter, systemClock, type WaitClock } from "../apply/readiness-waiter.js";
import { fieldManager, type KubeObject, releaseKeys } from "../apply/release-labels.js";
import type { HookStage } from "./release-keeper.js";

/** The Helm annotations this runner reads. */
export const hookKeys = {
  hook: "helm.sh/hook",
  weight: "helm.sh/hook-weight",
  deletePolicy: "helm.sh/hook-delete-policy",
} as const;

/** Label on hook objects: which phase made them (they carry no enabler id, so prune never takes them). */
export const hookLabel = "smart-orchestrator.io/hook";

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The hook phases of an object (`test-success` reads as `test`); empty for ordinary objects. */
export function hookPhases(o: KubeObject): string[] {
  return list(o.metadata.annotations?.[hookKeys.hook]).map((h) =>
    h === "test-success" ? "test" : h,
  );
}

/** The weight of a hook, 0 when absent or not a number (as Helm). */
export function hookWeight(o: KubeObject): number {
  const n = Number.parseInt(o.metadata.annotations?.[hookKeys.weight] ?? "0", 10);
  return Number.isFinite(n) ? n : 0;
}

/** Delete policies of a hook; Helm's default is before-hook-creation. */
export function deletePolicies(o: KubeObject): string[] {
  const p = list(o.metadata.annotations?.[hookKeys.deletePolicy]);
  return p.length > 0 ? p : ["before-hook-creation"];
}

/**
 * Hooks in the order Helm runs them: by weight, then by kind in install
 * order, then by name.
 */
export function hookOrder(hooks: readonly KubeObject[]): KubeObject[] {
  const byKind = installOrder(hooks);
  return [...hooks].sort(
    (a, b) =>
      hookWeight(a) - hookWeight(b) ||
      phaseOf(a.kind) - phaseOf(b.kind) ||
      byKind.indexOf(a) - byKind.indexOf(b) ||
      (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0),
  );
}

/** Options for {@link HookRunner}. */
export interface HookRunnerOptions {
  readonly client: Pick<
    EngineClient,
    "resourceInfo" | "get" | "apply" | "remove" | "createRaw" | "listAt" | "watch" | "listSelected"
  >;
  readonly log: Logger;
  readonly clock?: WaitClock;
}

type HookTarget = Pick<
  ApplyInput,
  "release" | "enablerId" | "namespace" | "revision" | "timeoutMs"
>;

/**
 * Runs a release's Helm hooks as Helm does: one at a time in weight order,
 * each created and (Jobs and Pods) waited for until it completes, with its
 * delete policy honoured before creation, on success and on failure. A
 * failing hook fails the command with the Job's reason.
 */
export class HookRunner implements HookStage {
  readonly #o: HookRunnerOptions;
  readonly #clock: WaitClock;
  readonly #waiter: ReadinessWaiter;

  constructor(options: HookRunnerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#waiter = new ReadinessWaiter(options.client, this.#clock);
  }

  split(input: ApplyInput): { main: ApplyInput; hooks: KubeObject[]; tests: number } {
    const main: KubeObject[] = [];
    const hooks: KubeObject[] = [];
    let tests = 0;
    for (const o of input.objects) {
      const phases = hookPhases(o);
      if (phases.length === 0) main.push(o);
      else if (phases.every((p) => p === "test")) tests++;
      else hooks.push(o);
    }
    return { main: { ...input, objects: main }, hooks, tests };
  }

  async run(
    phase: string,
    hooks: readonly KubeObject[],
    input: HookTarget,
    progress: EngineProgress,
  ): Promise<void> {
    const due = hookOrder(hooks.filter((h) => hookPhases(h).includes(phase)));
    if (due.length === 0) return;
    const deadline = this.#clock.now() + input.timeoutMs;
    await this.#ensureNamespace(input.namespace);
    for (const raw of due) {
      const hook = await this.#place(raw, input, phase);
      const ref = refOf(hook);
      const what = `${phase} hook ${describeRef(ref)}`;
      const policies = deletePolicies(raw);
      progress(`running ${what}`, []);
      if (policies.includes("before-hook-creation")) await this.#removeAndWait(ref, deadline);
      try {
        await this.#o.client.apply(hook, true);
      } catch (err) {
        throw this.#failed(`${what}: ${(err as Error).message}`, err);
      }
      const outcome = await this.#await(hook, deadline);
      if (outcome.ok) {
        this.#o.log.info({ release: input.release, hook: what }, "hook succeeded");
        if (policies.includes("hook-succeeded")) await this.#o.client.remove(ref);
        continue;
      }
      if (policies.includes("hook-failed")) await this.#o.client.remove(ref);
      this.#o.log.warn(
        { release: input.release, hook: what, reason: outcome.message },
        "hook failed",
      );
      throw this.#failed(`${what} failed: ${outcome.message}`);
    }
  }

  #failed(message: string, cause?: unknown): CommandFailure {
    return new CommandFailure(FailureKind.FAILURE_KIND_HOOK_FAILED, message.slice(0, 4000), {
      cause,
    });
  }

  async #place(raw: KubeObject, input: HookTarget, phase: string): Promise<KubeObject> {
    const info = await this.#o.client.resourceInfo(raw.apiVersion, raw.kind);
    if (!info)
      throw this.#failed(`${raw.kind} ${raw.metadata.name}: ${raw.apiVersion} is not served`);
    const { namespace, ...meta } = raw.metadata;
    return {
      ...raw,
      metadata: {
        ...(info.namespaced ? { ...meta, namespace: namespace ?? input.namespace } : meta),
        labels: {
          ...meta.labels,
          [releaseKeys.instance]: input.release,
          [releaseKeys.managedBy]: fieldManager,
          [hookLabel]: phase,
        },
      },
    };
  }

  // Jobs until complete or failed, Pods until Succeeded or Failed; other kinds once applied.
  async #await(hook: KubeObject, deadline: number): Promise<{ ok: boolean; message: string }> {
    const ref = refOf(hook);
    if (ref.kind !== "Job" && ref.kind !== "Pod") return { ok: true, message: "" };
    // Watched, as the engine's readiness: the hook's own labels narrow the list and the watch.
    const labels = hook.metadata.labels ?? {};
    const selector = [releaseKeys.instance, releaseKeys.managedBy, hookLabel]
      .map((k) => `${k}=${labels[k] ?? ""}`)
      .join(",");
    const out = await this.#waiter.wait([ref], {
      deadline,
      selector,
      ...(ref.kind === "Pod" ? { judge: hookPodState } : {}),
    });
    const state = out.states[0];
    if (state?.ready) return { ok: true, message: "" };
    if (out.timedOut) return { ok: false, message: "not complete within the timeout" };
    if (state?.message === "object is gone") return { ok: false, message: "deleted while it ran" };
    return { ok: false, message: state?.message ?? "" };
  }

  // Listed then watched until gone. No label selector: the earlier run may have tagged it with another phase.
  async #removeAndWait(ref: ObjectRef, deadline: number): Promise<void> {
    if (!(await this.#o.client.remove(ref))) return;
    const out = await this.#waiter.wait([ref], { deadline, selector: "", gone: true });
    const state = out.states[0];
    if (state && !state.ready)
      throw this.#failed(
        `${describeRef(ref)} from an earlier run is still being deleted (${state.message})`,
      );
  }

  async #ensureNamespace(name: string): Promise<void> {
    if (await this.#o.client.get({ apiVersion: "v1", kind: "Namespace", name })) return;
    try {
      await this.#o.client.createRaw({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 409)) throw err;
    }
  }
}

/** A hook Pod is done once Succeeded, failed once Failed (Running is not enough, unlike a workload). */
function hookPodState(live: KubeObject): Readiness {
  const phase = (live.status as { phase?: string } | undefined)?.phase;
  if (phase === "Succeeded") return { ready: true, message: "" };
  if (phase === "Failed") return { ready: false, failed: true, message: "Pod failed" };
  return { ready: false, message: `Pod is ${phase ?? "Pending"}` };
}
