/**
 * The simulator's etcd: objects per resource type, one global
 * resourceVersion counter, and a bounded history of change events that
 * watches resume from. A watch asking for a version older than the history
 * gets 410 Expired, which is what makes informers relist.
 */
import { randomUUID } from "node:crypto";
import { ApiStatusError } from "./api-status.js";
import { clone, jsonEqual, type KubeObject, timestamp } from "./kube-object.js";
import { qualifiedResource, type ResourceType } from "./resource-registry.js";

/** The change kinds a watch reports (BOOKMARK and ERROR are added by the stream). */
export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, as kept in the history. */
export interface ChangeEvent {
  readonly type: ChangeType;
  readonly resourceVersion: number;
  readonly resource: ResourceType;
  readonly object: KubeObject;
  /** The object before a MODIFIED change, so selector watches can turn it into ADDED/DELETED. */
  readonly previous?: KubeObject;
}

/** Options for {@link ObjectStore}. */
export interface ObjectStoreOptions {
  /** Current time in ms; injected so tests control timestamps. */
  readonly now: () => number;
  /** How many events watches can resume from (default 1000). */
  readonly historySize?: number;
  /** First resourceVersion handed out (default 1000), so versions look like a live cluster's. */
  readonly firstResourceVersion?: number;
}

/** Options for {@link ObjectStore.update}. */
export interface UpdateOptions {
  /** When set, the update fails with 409 Conflict unless the stored version matches. */
  readonly expectedResourceVersion?: string;
}

const nameRule = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** In-memory objects with resourceVersions and change history. */
export class ObjectStore {
  readonly #now: () => number;
  readonly #historySize: number;
  /** Buckets by `<plural>.<group>`, so a custom kind re-registered with a new schema keeps its objects. */
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history: ChangeEvent[] = [];
  readonly #listeners = new Set<(event: ChangeEvent) => void>();
  #resourceVersion: number;
  /** Versions at or below this are gone from the history. */
  #compactedThrough: number;

  constructor(options: ObjectStoreOptions) {
    this.#now = options.now;
    this.#historySize = options.historySize ?? 1000;
    this.#resourceVersion = options.firstResourceVersion ?? 1000;
    this.#compactedThrough = this.#resourceVersion;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  /** The stored object, or undefined. Callers must not mutate it. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#objects
      .get(qualifiedResource(type))
      ?.get(keyOf(type.namespaced ? namespace : undefined, name));
  }

  /** The stored object, or a 404 NotFound Status error. */
  require(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.get(type, namespace, name);
    if (!obj) {
      throw new ApiStatusError("NotFound", `${qualifiedResource(type)} "${name}" not found`, {
        name,
        group: type.group || undefined,
        kind: type.plural,
      });
    }
    return obj;
  }

  /** Objects of a type, in one namespace or all, sorted by namespace then name as etcd lists them. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...(this.#objects.get(qualifiedResource(type))?.values() ?? [])];
    const items = namespace ? all.filter((o) => o.metadata.namespace === namespace) : all;
    return items.sort((a, b) =>
      keyOf(a.metadata.namespace, a.metadata.name!).localeCompare(
        keyOf(b.metadata.namespace, b.metadata.name!),
      ),
    );
  }

  /**
   * Stores a new object: sets uid, creationTimestamp, resourceVersion and
   * generation, resolves generateName, and answers 409 AlreadyExists on a clash.
   */
  create(type: ResourceType, input: KubeObject): KubeObject {
    const obj = clone(input);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    const name = meta.name;
    if (!name) {
      throw invalid(type, "", "metadata.name", "Required value: name or generateName is required");
    }
    if (!nameRule.test(name) || name.length > 253) {
      throw invalid(
        type,
        name,
        "metadata.name",
        `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
    }
    if (type.namespaced && !meta.namespace) meta.namespace = "default";
    if (!type.namespaced) delete meta.namespace;
    if (this.get(type, meta.namespace, name)) {
      throw new ApiStatusError(
        "AlreadyExists",
        `${qualifiedResource(type)} "${name}" already exists`,
        {
          name,
          group: type.group || undefined,
          kind: type.plural,
        },
      );
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.#now());
    if (type.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    delete meta.deletionTimestamp;
    meta.resourceVersion = String(++this.#resourceVersion);
    this.#bucket(type).set(keyOf(meta.namespace, name), obj);
    this.#record({
      type: "ADDED",
      resourceVersion: this.#resourceVersion,
      resource: type,
      object: obj,
    });
    return obj;
  }

  /**
   * Replaces a stored object. Keeps uid and creationTimestamp, bumps
   * generation when anything outside metadata and status changed, and does
   * nothing (no new version, no event) when the object did not change.
   */
  update(type: ResourceType, input: KubeObject, options: UpdateOptions = {}): KubeObject {
    const name = input.metadata.name ?? "";
    const current = this.require(type, input.metadata.namespace, name);
    const expected = options.expectedResourceVersion;
    if (expected && expected !== current.metadata.resourceVersion) {
      throw new ApiStatusError(
        "Conflict",
        `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name, group: type.group || undefined, kind: type.plural },
      );
    }
    const next = clone(input);
    const meta = next.metadata;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    meta.namespace = current.metadata.namespace;
    if (!type.namespaced) delete meta.namespace;
    meta.generation = current.metadata.generation;
    meta.resourceVersion = current.metadata.resourceVersion;
    if (type.tracksGeneration && specChanged(current, next)) {
      meta.generation = (current.metadata.generation ?? 0) + 1;
    }
    if (!type.tracksGeneration) delete meta.generation;
    if (jsonEqual(next, current)) return current;
    meta.resourceVersion = String(++this.#resourceVersion);
    this.#bucket(type).set(keyOf(meta.namespace, name), next);
    this.#record({
      type: "MODIFIED",
      resourceVersion: this.#resourceVersion,
      resource: type,
      object: next,
      previous: current,
    });
    return next;
  }

  /** Removes an object; 404 when absent. Returns it with the deletion's resourceVersion. */
  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const current = this.require(type, namespace, name);
    this.#bucket(type).delete(keyOf(current.metadata.namespace, name));
    const gone: KubeObject = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(++this.#resourceVersion) },
    };
    this.#record({
      type: "DELETED",
      resourceVersion: this.#resourceVersion,
      resource: type,
      object: gone,
    });
    return gone;
  }

  /**
   * The events after `resourceVersion` for a watch to replay, or "expired"
   * when some of them have already left the history.
   */
  eventsSince(resourceVersion: number): readonly ChangeEvent[] | "expired" {
    if (resourceVersion < this.#compactedThrough) return "expired";
    const first = this.#history.findIndex((e) => e.resourceVersion > resourceVersion);
    return first < 0 ? [] : this.#history.slice(first);
  }

  /** The oldest resourceVersion a watch may still resume from. */
  get oldestResumable(): number {
    return this.#compactedThrough;
  }

  /** Drops the whole history, as an etcd compaction would; older watches get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedThrough = this.#resourceVersion;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #bucket(type: ResourceType): Map<string, KubeObject> {
    const key = qualifiedResource(type);
    let bucket = this.#objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(key, bucket);
    }
    return bucket;
  }

  #record(event: ChangeEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#historySize) {
      const dropped = this.#history.shift()!;
      this.#compactedThrough = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }
}

/** True when anything but metadata and status differs. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !jsonEqual(strip(a), strip(b));
}

/** An Invalid (422) Status naming the kind and the field, as validation errors are. */
export function invalid(
  type: ResourceType,
  name: string,
  field: string,
  detail: string,
): ApiStatusError {
  return new ApiStatusError("Invalid", `${type.kind} "${name}" is invalid: ${field}: ${detail}`, {
    name,
    group: type.group || undefined,
    kind: type.kind,
    causes: [{ reason: "FieldValueInvalid", message: detail, field }],
  });
}

const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** Five characters from the alphabet the API server uses for generateName. */
export function randomSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += suffixAlphabet[Math.floor(Math.random() * suffixAlphabet.length)];
  }
  return out;
}
