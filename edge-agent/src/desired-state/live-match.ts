/**
 * Whether a live object still holds what the agent applied, compared the way
 * server-side apply merges: fields the desired object leaves out are not
 * looked at, a map list (containers, env, ports) is compared item by item on
 * its keys and a set list (finalizers) as a set, so items other managers add
 * (an env var put in with `kubectl edit`, a sidecar a mutating webhook
 * injects) survive the agent's forced apply and are not drift. Any other list
 * is atomic, compared whole. The list types come from the one table in
 * @smart-orchestrator/shared and the field types from client-node's models;
 * custom resources have neither, so all their lists are atomic.
 */
// The generated models only (already in the bundle through ObjectSerializer), not the APIs.
import * as k8s from "@kubernetes/client-node/dist/gen/models/all.js";
import { type ListType, listTypeOf } from "@smart-orchestrator/shared";

type Models = Record<
  string,
  { attributeTypeMap?: { baseName: string; type: string }[] } | undefined
>;
const models = k8s as unknown as Models;
const fieldTypes = new Map<string, ReadonlyMap<string, string> | undefined>();

/** `model`'s JSON fields and their generator types (`V1PodSpec`, `Array<V1Container>`). */
function fieldsOf(model: string | undefined): ReadonlyMap<string, string> | undefined {
  if (model === undefined) return undefined;
  if (!fieldTypes.has(model)) {
    const attrs = models[model]?.attributeTypeMap;
    fieldTypes.set(
      model,
      Array.isArray(attrs) ? new Map(attrs.map((a) => [a.baseName, a.type])) : undefined,
    );
  }
  return fieldTypes.get(model);
}

/**
 * The client-node model of a built-in kind (`apps/v1` `Deployment` is
 * `V1Deployment`). Only for built-in API groups (no dot, or `*.k8s.io`), so a
 * custom resource that shares a built-in kind's name is not read as one.
 */
function modelOf(apiVersion: unknown, kind: unknown): string | undefined {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return undefined;
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  if (group.includes(".") && !group.endsWith(".k8s.io")) return undefined;
  const version = apiVersion.slice(slash + 1);
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return fieldsOf(name) ? name : undefined;
}

/**
 * Whether `live` holds every field `desired` sets, with the same value.
 * Fields the desired object leaves out (server defaults, status, fields
 * other managers own, such as an HPA's replicas, or list items they added)
 * are not looked at: only what the agent applies can drift.
 */
export function holdsDesired(desired: unknown, live: unknown): boolean {
  const o = desired as { apiVersion?: unknown; kind?: unknown } | null;
  return holds(
    desired,
    live,
    o && typeof o === "object" ? modelOf(o.apiVersion, o.kind) : undefined,
  );
}

/** `type` is the generator type of `desired`'s field, when known; `list` its list type. */
function holds(desired: unknown, live: unknown, type?: string, list?: ListType): boolean {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return false;
    const item = type && /^Array<(.+)>$/.exec(type)?.[1];
    // Each desired item held by some live item: for a map list, one with the same keys
    // (holding the item means holding its key fields); extra live items are others'.
    if (list) return desired.every((d) => live.some((l) => holds(d, l, item)));
    return live.length === desired.length && desired.every((d, i) => holds(d, live[i], item));
  }
  if (typeof desired === "object" && desired !== null) {
    if (typeof live !== "object" || live === null || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    const values = type && /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
    const fields = values ? undefined : fieldsOf(type);
    return Object.entries(desired).every(
      ([k, v]) =>
        v === undefined ||
        v === null ||
        (values
          ? holds(v, l[k], values)
          : holds(v, l[k], fields?.get(k), type && fields ? listTypeOf(type, k) : undefined)),
    );
  }
  // Quantities and ports may come back in another spelling ("1" vs 1); that apply is a no-op.
  return desired === live || String(desired) === String(live);
}
