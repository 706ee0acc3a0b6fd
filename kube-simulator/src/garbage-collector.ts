/**
 * Owner-reference garbage collection, as kube-controller-manager's garbage
 * collector does it: when an owner goes, its dependents (objects whose
 * `metadata.ownerReferences` name its uid) go too, transitively. The delete's
 * `propagationPolicy` decides the order: Background (the default) removes the
 * owner at once and the dependents after; Foreground marks the owner
 * (deletionTimestamp, finalizer `foregroundDeletion`), removes the dependents,
 * then the owner; Orphan strips the references and leaves the dependents.
 * It works on the next turn of the event loop, never inside the request.
 */
import { ApiStatusError } from "./api-status.js";
import { isObject, type KubeObject, timestamp } from "./kube-object.js";
import type { ObjectStore } from "./object-store.js";
import { type ResourceType, resourceTypes } from "./resource-registry.js";

/** How a delete treats dependents. */
export type Propagation = "Background" | "Foreground" | "Orphan";

/** Reads propagationPolicy from DeleteOptions or the query (default Background). */
export function propagationOf(body: unknown, query: URLSearchParams): Propagation {
  const fromBody = isObject(body) ? body.propagationPolicy : undefined;
  const orphan = isObject(body) && body.orphanDependents === true;
  const v =
    (fromBody as string | undefined) ??
    query.get("propagationPolicy") ??
    (orphan ? "Orphan" : "Background");
  if (v === "Background" || v === "Foreground" || v === "Orphan") return v;
  throw new ApiStatusError(
    "BadRequest",
    `propagationPolicy: Unsupported value: "${v}": supported values: "Foreground", "Background", "Orphan"`,
  );
}

const foreground = "foregroundDeletion";

/** Runs the collector against one store. */
export class GarbageCollector {
  readonly #store: ObjectStore;
  readonly #unsubscribe: () => void;
  readonly #types: () => readonly ResourceType[];
  #closed = false;

  constructor(store: ObjectStore, types: () => readonly ResourceType[] = () => resourceTypes) {
    this.#store = store;
    this.#types = types;
    this.#unsubscribe = store.subscribe((e) => {
      const uid = e.object.metadata.uid;
      if (!uid) return;
      if (e.type === "DELETED") this.#soon(() => this.#deleteDependents(uid));
      else if (e.type === "MODIFIED" && e.object.metadata.finalizers?.includes(foreground))
        this.#soon(() => this.#finishForeground(e.resource, e.object));
    });
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
  }

  #soon(work: () => void): void {
    setImmediate(() => {
      if (!this.#closed) work();
    });
  }

  /** The objects that name `uid` as an owner. */
  dependents(uid: string): { type: ResourceType; object: KubeObject }[] {
    const out: { type: ResourceType; object: KubeObject }[] = [];
    for (const type of this.#types()) {
      if (type.computed) continue;
      for (const object of this.#store.list(type)) {
        if (object.metadata.ownerReferences?.some((o) => o.uid === uid)) out.push({ type, object });
      }
    }
    return out;
  }

  #deleteDependents(uid: string): void {
    for (const { type, object } of this.dependents(uid)) {
      const { namespace, name } = object.metadata;
      if (this.#store.get(type, namespace, name!)) this.#store.delete(type, namespace, name!);
    }
  }

  #finishForeground(type: ResourceType, owner: KubeObject): void {
    const { namespace, name, uid } = owner.metadata;
    if (!this.#store.get(type, namespace, name!)) return;
    this.#deleteDependents(uid!);
    if (this.#store.get(type, namespace, name!)) this.#store.delete(type, namespace, name!);
  }

  /**
   * A delete request: Background deletes now (dependents follow), Foreground
   * marks the owner and answers with it, Orphan strips the dependents'
   * references first. Returns what the API answers with.
   */
  delete(type: ResourceType, live: KubeObject, policy: Propagation, now: number): KubeObject {
    const { namespace, name, uid } = live.metadata;
    if (policy === "Orphan") {
      for (const dep of this.dependents(uid!)) {
        const refs = dep.object.metadata.ownerReferences?.filter((o) => o.uid !== uid) ?? [];
        const { ownerReferences: _gone, ...rest } = dep.object.metadata;
        const metadata = refs.length ? { ...rest, ownerReferences: refs } : rest;
        this.#store.update(dep.type, { ...dep.object, metadata });
      }
    }
    if (policy === "Foreground" && this.dependents(uid!).length > 0) {
      return this.#store.update(type, {
        ...live,
        metadata: {
          ...live.metadata,
          deletionTimestamp: timestamp(now),
          deletionGracePeriodSeconds: 0,
          finalizers: [...(live.metadata.finalizers ?? []), foreground],
        },
      });
    }
    return this.#store.delete(type, namespace, name!);
  }
}
