import { KindWatch, type WatchReader } from "./kind-watch.js";
import type { ObjectRef } from "./object-client.js";
import {
  changingKinds,
  podOwningKinds,
  podProblem,
  type Readiness,
  readinessOf,
} from "./readiness.js";
import type { KubeObject } from "./release-labels.js";

/** The reads the waiter needs; ObjectClient provides them. */
export interface ReadinessReader extends WatchReader {
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
  /** Resolves after `ms`, or early once `signal` aborts (a clock may ignore it). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
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

/** What one wait is for, besides the objects. */
export interface WaitOptions {
  /** Clock time by which every object must be ready. */
  readonly deadline: number;
  /** A label selector every object carries (the release's): lists and watches ask only for those. */
  readonly selector: string;
  readonly progress?: WaitProgress;
  /** Aborts when a newer command for the release arrives: the wait ends at once. */
  readonly signal?: AbortSignal;
  /** Wait until the objects are gone (deleted, finalizers done) instead of ready; every kind is watched. */
  readonly gone?: boolean;
  /**
   * Judges each live object in place of its kind's readiness (a hook Pod is
   * done once Succeeded, not once Running); every kind is then watched.
   */
  readonly judge?: (live: KubeObject) => Readiness;
}

/** Timing of {@link ReadinessWaiter}; the defaults suit a real cluster. */
export interface WaiterTiming {
  /** Least time between two progress reports; the first comes after this much waiting (default 1 s). */
  readonly progressEveryMs?: number;
  /** How often pods are read again to explain a waiting workload, and a broken watch retried (default 1 s). */
  readonly tickMs?: number;
  /** A watch older than this is replaced by a fresh list and watch (default 5 min). */
  readonly maxWatchAgeMs?: number;
}

function selectorOf(o: KubeObject): string | undefined {
  const match = (o.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)
    ?.selector?.matchLabels;
  if (!match || Object.keys(match).length === 0) return undefined;
  return Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

const groupKey = (r: ObjectRef) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ""}`;

/**
 * Waits until every object is ready or the deadline passes. Kinds whose
 * readiness can change (workloads, Jobs, claims, CRDs) are listed once
 * and then watched from the list's resourceVersion, so a change is seen
 * the moment the API server has it and none between list and watch is
 * missed; every other kind is ready once applied and costs no read. A
 * workload that waits is explained by its pods (for example
 * ImagePullBackOff), read again at most every tick; progress is reported
 * whenever the set of waiting objects or their reasons change, at most
 * every `progressEveryMs`.
 */
export class ReadinessWaiter {
  readonly #reader: ReadinessReader;
  readonly #clock: WaitClock;
  readonly #progressEveryMs: number;
  readonly #tickMs: number;
  readonly #maxWatchAgeMs: number;
  readonly #bindingModes = new Map<string, string | undefined>();

  constructor(reader: ReadinessReader, clock: WaitClock = systemClock, timing: WaiterTiming = {}) {
    this.#reader = reader;
    this.#clock = clock;
    this.#progressEveryMs = timing.progressEveryMs ?? 1000;
    this.#tickMs = timing.tickMs ?? 1000;
    this.#maxWatchAgeMs = timing.maxWatchAgeMs ?? 300_000;
  }

  /** Waits for `refs` (see {@link WaitOptions}); never throws for a not-ready object. */
  async wait(refs: readonly ObjectRef[], options: WaitOptions): Promise<WaitOutcome> {
    const { deadline, progress, signal } = options;
    let dirty = true;
    let wakeUp: (() => void) | undefined;
    const wake = () => {
      dirty = true;
      wakeUp?.();
    };
    const watches = this.#watchesFor(refs, options, wake);
    signal?.addEventListener("abort", wake);
    const started = this.#clock.now();
    let lastKey = "";
    let lastSent = Number.NEGATIVE_INFINITY;
    let explainedAt = Number.NEGATIVE_INFINITY;
    let explained = new Map<string, string>();
    try {
      for (;;) {
        dirty = false;
        const now = this.#clock.now();
        await Promise.all([...watches.values()].map((w) => w.ensure(now)));
        const states = await Promise.all(
          refs.map((ref) =>
            options.gone ? goneState(ref, watches) : this.#state(ref, watches, options.judge),
          ),
        );
        const notReady = states.filter((s) => !s.ready);
        const outcome = (timedOut: boolean) => ({
          states: states.map((s) => withWhy(s, explained)),
          timedOut,
        });
        if (notReady.length === 0) return { states, timedOut: false };
        // A failed Job or a rejected CRD fails the command; waiting for the rest would only delay that.
        if (notReady.some((s) => s.failed)) return outcome(false);
        if (signal?.aborted) return { ...outcome(false), aborted: true };
        const at = this.#clock.now();
        const due = progress && at - started >= this.#progressEveryMs;
        if (at >= deadline || (due && at - lastSent >= this.#progressEveryMs)) {
          if (at - explainedAt >= this.#tickMs || at >= deadline) {
            explained = await this.#explain(notReady, watches);
            explainedAt = at;
          }
          if (at >= deadline) return outcome(true);
          const waiting = notReady.map((s) => withWhy(s, explained));
          const key = JSON.stringify(
            waiting.map((s) => [s.ref.kind, s.ref.namespace, s.ref.name, s.message]),
          );
          if (key !== lastKey) {
            progress?.(waiting);
            lastKey = key;
            lastSent = at;
          }
        }
        if (dirty) continue;
        for (const w of watches.values()) w.follow();
        await this.#pause(at, deadline, watches, (resolve) => {
          wakeUp = resolve;
        });
        wakeUp = undefined;
      }
    } finally {
      signal?.removeEventListener("abort", wake);
      for (const w of watches.values()) w.close();
    }
  }

  #watchesFor(
    refs: readonly ObjectRef[],
    { selector, gone, judge }: WaitOptions,
    wake: () => void,
  ): Map<string, KindWatch> {
    const names = new Map<string, { ref: ObjectRef; names: string[] }>();
    for (const ref of refs) {
      if (!gone && !judge && !changingKinds.has(ref.kind)) continue;
      const key = groupKey(ref);
      const group = names.get(key) ?? { ref, names: [] };
      group.names.push(ref.name);
      names.set(key, group);
    }
    const timing = { retryMs: this.#tickMs, maxAgeMs: this.#maxWatchAgeMs };
    return new Map(
      [...names].map(([key, { ref, names: n }]) => [
        key,
        new KindWatch(
          this.#reader,
          { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, selector },
          n,
          wake,
          timing,
        ),
      ]),
    );
  }

  // Until an event, the next tick (pods may explain more by then), a watch to retry, or the deadline.
  async #pause(
    now: number,
    deadline: number,
    watches: Map<string, KindWatch>,
    onWake: (resolve: () => void) => void,
  ): Promise<void> {
    let until = Math.min(deadline, now + this.#tickMs);
    for (const w of watches.values()) until = Math.min(until, w.nextStartAt() ?? until);
    const stop = new AbortController();
    const woken = new Promise<void>((resolve) => onWake(resolve));
    await Promise.race([woken, this.#clock.sleep(Math.max(0, until - now), stop.signal)]);
    stop.abort();
  }

  async #state(
    ref: ObjectRef,
    watches: Map<string, KindWatch>,
    judge?: (live: KubeObject) => Readiness,
  ): Promise<WaitState> {
    const watch = watches.get(groupKey(ref));
    if (!watch) return { ref, ready: true, message: "" };
    const live = watch.get(ref.name);
    if (!live)
      return {
        ref,
        ready: false,
        message: watch.error ? `could not read it: ${watch.error}` : "object is gone",
      };
    if (judge) return { ref, ...judge(live) };
    const bindingMode =
      live.kind === "PersistentVolumeClaim" ? await this.#bindingMode(live) : undefined;
    return { ref, ...readinessOf(live, { bindingMode }) };
  }

  // Pods say why a workload waits (ImagePullBackOff, Unschedulable): read only when that is reported.
  async #explain(
    notReady: readonly WaitState[],
    watches: Map<string, KindWatch>,
  ): Promise<Map<string, string>> {
    const why = new Map<string, string>();
    for (const s of notReady) {
      if (!podOwningKinds.has(s.ref.kind)) continue;
      const live = watches.get(groupKey(s.ref))?.get(s.ref.name);
      const selector = live && selectorOf(live);
      if (!selector) continue;
      try {
        const pods = await this.#reader.listSelected("v1", "Pod", selector, s.ref.namespace);
        const problem = podProblem(pods);
        if (problem) why.set(`${groupKey(s.ref)}|${s.ref.name}`, problem);
      } catch {
        // The pods are an explanation only; the object's own state still stands.
      }
    }
    return why;
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

/** Done when the object is no longer listed (and the list worked). */
function goneState(ref: ObjectRef, watches: Map<string, KindWatch>): WaitState {
  const watch = watches.get(groupKey(ref));
  if (watch?.error) return { ref, ready: false, message: `could not read it: ${watch.error}` };
  return watch?.get(ref.name)
    ? { ref, ready: false, message: "still there (finalizers?)" }
    : { ref, ready: true, message: "" };
}

function withWhy(s: WaitState, why: ReadonlyMap<string, string>): WaitState {
  const problem = s.ready ? undefined : why.get(`${groupKey(s.ref)}|${s.ref.name}`);
  return problem ? { ...s, message: `${s.message}; ${problem}` } : s;
}
