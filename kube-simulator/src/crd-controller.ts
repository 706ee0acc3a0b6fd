/**
 * The apiextensions controllers, as far as a client can see them: a new or
 * changed CustomResourceDefinition gets its names checked (`NamesAccepted`),
 * its kind served by this simulator and `Established`, with `acceptedNames`
 * and `storedVersions` in its status; a deleted one takes its custom
 * resources and its discovery entries with it. Works on the next turn of the
 * event loop, never inside the request, as the real controllers do.
 *
 * Simplification: a deleted CRD goes at once, without the
 * `customresourcecleanup` finalizer and `Terminating` condition.
 */

import { crdNames, customTypesOf, storageVersionOf } from "./crd-definition.js";
import { clone, jsonEqual, type KubeObject, objectAt, timestamp } from "./kube-object.js";
import type { ObjectStore } from "./object-store.js";
import { qualifiedResource, type ResourceType, typeOfKind } from "./resource-registry.js";
import type { ServedKinds } from "./served-kinds.js";

const crdType = typeOfKind("CustomResourceDefinition");

const notEstablished: Condition = {
  type: "Established",
  status: "False",
  reason: "NotAccepted",
  message: "not all names are accepted",
};

/** Options for {@link CrdController}. */
export interface CrdControllerOptions {
  readonly store: ObjectStore;
  readonly kinds: ServedKinds;
  readonly now: () => number;
  /**
   * Time between a CRD's names being accepted and its kind being served and
   * `Established` (default 0: the next turn of the event loop). Meanwhile
   * `Established` is False with reason `Installing`, as on a real server.
   */
  readonly establishDelayMs?: number;
}

interface Condition {
  readonly type: string;
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
}

/** Keeps one simulator's custom kinds in step with its CRDs. */
export class CrdController {
  readonly #store: ObjectStore;
  readonly #kinds: ServedKinds;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;
  /** Which CRD (by name) serves which `<plural>.<group>`. */
  readonly #servedBy = new Map<string, string>();
  readonly #establishDelayMs: number;
  /** CRDs (by name) waiting out the establish delay. */
  readonly #installing = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(options: CrdControllerOptions) {
    this.#store = options.store;
    this.#kinds = options.kinds;
    this.#now = options.now;
    this.#establishDelayMs = options.establishDelayMs ?? 0;
    this.#unsubscribe = this.#store.subscribe((e) => {
      if (e.resource !== crdType) return;
      const name = e.object.metadata.name!;
      if (e.type === "DELETED") this.#soon(() => this.#tearDown(name));
      else this.#soon(() => this.#reconcile(name));
    });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#installing.values()) clearTimeout(timer);
    this.#unsubscribe();
  }

  #soon(work: () => void): void {
    setImmediate(() => {
      if (!this.#closed) work();
    });
  }

  /** The reason another kind already holds these names, or undefined. */
  #conflict(crdName: string, type: ResourceType): Condition | undefined {
    const taken = (t: ResourceType) => this.#servedBy.get(qualifiedResource(t)) !== crdName;
    const others = this.#kinds.all().filter((t) => t.group === type.group && taken(t));
    if (others.some((t) => t.plural === type.plural))
      return {
        type: "NamesAccepted",
        status: "False",
        reason: "PluralConflict",
        message: `"${type.plural}" is already in use`,
      };
    if (others.some((t) => t.kind === type.kind))
      return {
        type: "NamesAccepted",
        status: "False",
        reason: "KindConflict",
        message: `"${type.kind}" is already in use`,
      };
    return undefined;
  }

  #reconcile(name: string): void {
    if (this.#installing.has(name)) return;
    const crd = this.#store.get(crdType, undefined, name);
    if (!crd) return;
    const types = customTypesOf(crd);
    const type = types[0];
    const conflict = type ? this.#conflict(name, type) : undefined;
    const accepted = type !== undefined && conflict === undefined;
    const namesAccepted = conflict ?? {
      type: "NamesAccepted",
      status: "True",
      reason: "NoConflicts",
      message: "no conflicts found",
    };
    const served = accepted && this.#kinds.custom(qualifiedResource(type)).length > 0;
    if (accepted && !served && this.#establishDelayMs > 0) {
      // The names are taken now; the kind is served only once the delay is over.
      this.#servedBy.set(qualifiedResource(type), name);
      const installing: Condition = {
        type: "Established",
        status: "False",
        reason: "Installing",
        message: "the initial names have been accepted",
      };
      this.#writeStatus(crd, [namesAccepted, installing], accepted);
      const timer = setTimeout(() => {
        this.#installing.delete(name);
        if (!this.#closed) this.#establish(name);
      }, this.#establishDelayMs);
      this.#installing.set(name, timer);
      return;
    }
    if (accepted) this.#establish(name);
    else this.#writeStatus(crd, [namesAccepted, notEstablished], accepted);
  }

  /** Serves an accepted CRD's kind and marks it Established. */
  #establish(name: string): void {
    const crd = this.#store.get(crdType, undefined, name);
    if (!crd) return;
    const types = customTypesOf(crd);
    const type = types[0];
    if (!type || this.#conflict(name, type)) {
      this.#reconcile(name);
      return;
    }
    const qualified = qualifiedResource(type);
    this.#servedBy.set(qualified, name);
    this.#kinds.put(qualified, types);
    const conditions: Condition[] = [
      {
        type: "NamesAccepted",
        status: "True",
        reason: "NoConflicts",
        message: "no conflicts found",
      },
      {
        type: "Established",
        status: "True",
        reason: "InitialNamesAccepted",
        message: "the initial names have been accepted",
      },
    ];
    this.#writeStatus(crd, conditions, true);
  }

  #writeStatus(crd: KubeObject, conditions: readonly Condition[], accepted: boolean): void {
    const previous = objectAt(crd, "status");
    const before = Array.isArray(previous.conditions) ? (previous.conditions as Condition[]) : [];
    const at = timestamp(this.#now());
    const names = crdNames(crd);
    const status = {
      conditions: conditions.map((c) => {
        const old = before.find((b) => b.type === c.type);
        const since =
          old && old.status === c.status
            ? (old as { lastTransitionTime?: string }).lastTransitionTime
            : at;
        return { ...c, lastTransitionTime: since ?? at };
      }),
      acceptedNames: accepted ? names : (previous.acceptedNames ?? { plural: "", kind: "" }),
      storedVersions: [storageVersionOf(crd)].filter((v): v is string => Boolean(v)),
    };
    if (jsonEqual(status, previous)) return;
    this.#store.update(crdType, { ...clone(crd), status });
  }

  #tearDown(name: string): void {
    if (this.#store.get(crdType, undefined, name)) return;
    for (const [qualified, owner] of this.#servedBy) {
      if (owner !== name) continue;
      this.#servedBy.delete(qualified);
      // Every version shares one bucket, so listing through the first finds them all.
      const [type] = this.#kinds.custom(qualified);
      if (!type) continue;
      for (const obj of this.#store.list(type))
        this.#store.delete(type, obj.metadata.namespace, obj.metadata.name!);
      this.#kinds.remove(qualified);
    }
    // A CRD that lost a name clash may now be accepted.
    for (const other of this.#store.list(crdType)) this.#reconcile(other.metadata.name!);
  }
}
