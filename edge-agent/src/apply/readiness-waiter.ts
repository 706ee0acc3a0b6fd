import type { ObjectRef } from "./object-client.js";
import { podOwningKinds, podProblem, type Readiness, readinessOf } from "./readiness.js";
import type { KubeObject } from "./release-labels.js";

/** The reads the waiter needs; ObjectClient provides them. */
export interface ReadinessReader {
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  listSelected(
    apiVersion: string,
    kind: string,
    selector: string,
    namespace?: string,
  ): Promise<KubeObject[]>;
}

/** Time, injected so tests control it. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock. */
export const systemClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One object's state while waiting. */
export interface WaitState extends Readiness {
  readonly ref: ObjectRef;
}

/** What the waiter reports as it goes: the objects that are not ready yet. */
export type WaitProgress = (notReady: readonly WaitState[]) => void;

/** How the wait ended. */
export interface WaitOutcome {
  /** Final state of every object, in the order given. */
  readonly states: readonly WaitState[];
  /** True when the deadline passed with objects not ready. */
  readonly timedOut: boolean;
  /** True when `signal` stopped the wait (a newer command for the release). */
  readonly aborted?: boolean;
}

// Polls start fast (a ready-at-once cluster answers in one round) and slow to once a second.
const pollSteps = [25, 50, 100, 200, 400, 800, 1000];

function selectorOf(o: KubeObject): string | undefined {
  const match = (o.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)
    ?.selector?.matchLabels;
  if (!match || Object.keys(match).length === 0) return undefined;
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/**
 * Waits until every object is ready or `deadline` passes, polling only the
 * ones still waiting. A not-ready workload is explained by its pods (for
 * example ImagePullBackOff), and progress is reported whenever the set of
 * waiting objects or their reasons change, at most every `progressEveryMs`.
 */
export class ReadinessWaiter {
  readonly #reader: ReadinessReader;
  readonly #clock: WaitClock;
  readonly #progressEveryMs: number;
  readonly #bindingModes = new Map<string, string | undefined>();

  constructor(reader: ReadinessReader, clock: WaitClock = systemClock, progressEveryMs = 1000) {
    this.#reader = reader;
    this.#clock = clock;
    this.#progressEveryMs = progressEveryMs;
  }

  /**
   * Waits for `refs` until `deadline` (clock time) or until `signal` aborts
   * (checked every poll, so within a second); never throws for a not-ready object.
   */
  async wait(
    refs: readonly ObjectRef[],
    deadline: number,
    progress?: WaitProgress,
    signal?: AbortSignal,
  ): Promise<WaitOutcome> {
    const states: WaitState[] = refs.map((ref) => ({
      ref,
      ready: false,
      message: "not checked yet",
    }));
    let lastKey = "";
    let lastSent = Number.NEGATIVE_INFINITY;
    for (let step = 0; ; step++) {
      for (let i = 0; i < states.length; i++) {
        const s = states[i]!;
        if (!s.ready && !s.failed) states[i] = { ref: s.ref, ...(await this.#check(s.ref)) };
      }
      const notReady = states.filter((s) => !s.ready);
      if (notReady.length === 0) return { states, timedOut: false };
      // A failed Job or a rejected CRD fails the command; waiting for the rest would only delay that.
      if (notReady.some((s) => s.failed)) return { states, timedOut: false };
      if (signal?.aborted) return { states, timedOut: false, aborted: true };
      const now = this.#clock.now();
      if (now >= deadline) return { states, timedOut: true };
      const key = JSON.stringify(
        notReady.map((s) => [s.ref.kind, s.ref.namespace, s.ref.name, s.message]),
      );
      if (progress && key !== lastKey && now - lastSent >= this.#progressEveryMs) {
        progress(notReady);
        lastKey = key;
        lastSent = now;
      }
      const pause = pollSteps[Math.min(step, pollSteps.length - 1)]!;
      await this.#clock.sleep(Math.max(0, Math.min(pause, deadline - now)));
    }
  }

  async #check(ref: ObjectRef): Promise<Readiness> {
    let live: KubeObject | undefined;
    try {
      live = await this.#reader.get(ref);
    } catch (err) {
      return { ready: false, message: `could not read it: ${(err as Error).message}` };
    }
    if (!live) return { ready: false, message: "object is gone" };
    const bindingMode =
      live.kind === "PersistentVolumeClaim" ? await this.#bindingMode(live) : undefined;
    const r = readinessOf(live, { bindingMode });
    if (r.ready || !podOwningKinds.has(live.kind)) return r;
    const selector = selectorOf(live);
    if (!selector) return r;
    try {
      const pods = await this.#reader.listSelected("v1", "Pod", selector, live.metadata.namespace);
      const problem = podProblem(pods);
      return problem ? { ...r, message: `${r.message}; ${problem}` } : r;
    } catch {
      return r;
    }
  }

  async #bindingMode(claim: KubeObject): Promise<string | undefined> {
    let name = (claim.spec as { storageClassName?: string } | undefined)?.storageClassName;
    try {
      if (name === undefined) {
        if (!this.#bindingModes.has("")) {
          const classes = await this.#reader.listSelected("storage.k8s.io/v1", "StorageClass", "");
          const byDefault = classes.find(
            (c) =>
              c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
          );
          this.#bindingModes.set("", byDefault?.metadata.name);
          if (byDefault) this.#bindingModes.set(byDefault.metadata.name, modeOf(byDefault));
        }
        name = this.#bindingModes.get("");
        if (name === undefined) return undefined;
      }
      if (!this.#bindingModes.has(name)) {
        const sc = await this.#reader.get({
          apiVersion: "storage.k8s.io/v1",
          kind: "StorageClass",
          name,
        });
        this.#bindingModes.set(name, sc ? modeOf(sc) : undefined);
      }
      return this.#bindingModes.get(name);
    } catch {
      // StorageClass not served or not readable: the claim must then be Bound to count as ready.
      return undefined;
    }
  }
}

function modeOf(sc: KubeObject): string {
  return String((sc as { volumeBindingMode?: string }).volumeBindingMode ?? "Immediate");
}
