/**
 * The loose object model the simulator stores: any JSON object with
 * `metadata`. Typed client models are not used on purpose; the simulator
 * must round-trip fields it does not know, as the real API server does.
 */

/** A JSON object. */
export type JsonObject = { [key: string]: unknown };

/** The metadata fields the simulator reads or sets. */
export interface ObjectMeta extends JsonObject {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: JsonObject[];
}

/** An owner reference, as set on pods created by a workload. */
export interface OwnerReference extends JsonObject {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A stored Kubernetes object. */
export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy through JSON, which is also what the wire would do. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The value at a dotted path (`spec.nodeName`), or undefined. */
export function getPath(obj: unknown, path: readonly string[]): unknown {
  let current = obj;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** The object at `obj[key]`, or an empty one when absent. */
export function objectAt(obj: JsonObject, key: string): JsonObject {
  const value = obj[key];
  return isObject(value) ? value : {};
}

/** The array at `obj[key]`, or an empty one when absent. */
export function arrayAt(obj: JsonObject, key: string): unknown[] {
  const value = obj[key];
  return Array.isArray(value) ? value : [];
}

/** An RFC 3339 timestamp with second precision, as metadata timestamps are. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
