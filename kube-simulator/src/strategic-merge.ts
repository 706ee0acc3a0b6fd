/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as the
 * API server applies it to built-in kinds, driven by the kind's model
 * (model-schemas.ts) and the list strategies of shared/patch-strategies.ts: maps
 * merge and `null` deletes; a `merge` list of objects merges item by item on
 * its merge key (`{"$patch": "delete", <key>: ...}` removes one,
 * `{"$patch": "replace"}` replaces the list); a `merge` list of scalars is a
 * set union; any other list is replaced. Also `$patch: replace|delete` on a
 * map, `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>`, which kubectl's client-side apply sends.
 * `$setElementOrder` orders the patched items as listed and interleaves the
 * items only the server has where they stood in the live list.
 */

import { type PatchStrategy, patchStrategyOf } from "@smart-orchestrator/shared";
import { clone, isObject, type JsonObject, jsonEqual } from "./kube-object.js";
import { attributesOf, type Shape, shapeOf } from "./model-schemas.js";

function fieldShape(model: string | undefined, field: string): Shape {
  const attr = model ? attributesOf(model)?.find((a) => a.baseName === field) : undefined;
  return attr ? shapeOf(attr.type, attr.format) : { kind: "any" };
}

const modelOf = (shape: Shape): string | undefined =>
  shape.kind === "model" ? shape.name : undefined;

/** Applies `patch` to `live` as a value of `shape`; undefined means "remove the field". */
function mergeValue(
  live: unknown,
  patch: unknown,
  shape: Shape,
  strategy?: PatchStrategy,
): unknown {
  if (Array.isArray(patch)) {
    const itemModel = shape.kind === "array" ? modelOf(shape.of) : undefined;
    return mergeList(Array.isArray(live) ? live : [], patch, strategy, itemModel);
  }
  if (!isObject(patch)) return clone(patch);
  if (shape.kind === "map") {
    if (patch.$patch === "replace") return withoutDirectives(patch);
    const out: JsonObject = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith("$")) continue;
      if (v === null) delete out[k];
      else out[k] = mergeValue(out[k], v, shape.of);
    }
    return out;
  }
  return mergeMap(isObject(live) ? live : undefined, patch, modelOf(shape));
}

/** Strips `$` directives from a new value (an item or map the live object did not have). */
function withoutDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith("$")) out[k] = withoutDirectives(v);
  return out;
}

function mergeMap(
  live: JsonObject | undefined,
  patch: JsonObject,
  model: string | undefined,
): unknown {
  if (patch.$patch === "delete") return undefined;
  if (patch.$patch === "replace") return withoutDirectives(patch);
  const out: JsonObject = live ? { ...live } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) {
      delete out[key];
      continue;
    }
    const merged = mergeValue(
      out[key],
      value,
      fieldShape(model, key),
      model ? patchStrategyOf(model, key) : undefined,
    );
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  for (const [key, value] of Object.entries(patch)) {
    const [directive, field] = key.split("/", 2);
    if (!field || !Array.isArray(value) || !Array.isArray(out[field])) continue;
    if (directive === "$deleteFromPrimitiveList")
      out[field] = (out[field] as unknown[]).filter((x) => !value.some((v) => jsonEqual(v, x)));
    if (directive === "$setElementOrder") {
      const key = model ? patchStrategyOf(model, field)?.mergeKey : undefined;
      const before = live && Array.isArray(live[field]) ? (live[field] as unknown[]) : [];
      out[field] = ordered(out[field] as unknown[], value, before, key);
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const key of Object.keys(out)) if (!keep.has(key)) delete out[key];
  }
  return out;
}

/**
 * The order after `$setElementOrder`: the listed items in the listed order,
 * merged with the server-only items (in live order) by their positions in the
 * live list; where either side was not in the live list, the listed side goes first.
 */
function ordered(
  list: readonly unknown[],
  order: readonly unknown[],
  live: readonly unknown[],
  mergeKey: string | undefined,
): unknown[] {
  const idOf = (x: unknown) => (mergeKey && isObject(x) ? x[mergeKey] : x);
  const indexIn = (xs: readonly unknown[], x: unknown) =>
    xs.findIndex((o) => jsonEqual(idOf(o), idOf(x)));
  const listed = list
    .filter((x) => indexIn(order, x) >= 0)
    .sort((a, b) => indexIn(order, a) - indexIn(order, b));
  const serverOnly = list.filter((x) => indexIn(order, x) < 0);
  const out: unknown[] = [];
  let [i, j] = [0, 0];
  while (i < listed.length || j < serverOnly.length) {
    if (i >= listed.length) out.push(serverOnly[j++]);
    else if (j >= serverOnly.length) out.push(listed[i++]);
    else {
      const [l, r] = [indexIn(live, listed[i]), indexIn(live, serverOnly[j])];
      if (l >= 0 && r >= 0 && r < l) out.push(serverOnly[j++]);
      else out.push(listed[i++]);
    }
  }
  return out;
}

function mergeList(
  live: readonly unknown[],
  patch: readonly unknown[],
  strategy: PatchStrategy | undefined,
  itemModel: string | undefined,
): unknown[] {
  if (!strategy?.strategy.includes("merge")) return withoutDirectives(patch) as unknown[];
  const key = strategy.mergeKey;
  if (!key) {
    const out = live.map(clone);
    for (const v of patch) if (!out.some((x) => jsonEqual(x, v))) out.push(clone(v));
    return out;
  }
  if (patch.some((item) => isObject(item) && item.$patch === "replace"))
    return withoutDirectives(
      patch.filter((item) => !(isObject(item) && item.$patch === "replace")),
    ) as unknown[];
  const out = live.map(clone);
  for (const item of patch) {
    if (!isObject(item)) continue;
    const index = out.findIndex((x) => isObject(x) && jsonEqual(x[key], item[key]));
    if (item.$patch === "delete") {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = mergeMap(out[index] as JsonObject, item, itemModel);
    } else {
      out.push(mergeMap(undefined, item, itemModel));
    }
  }
  return out;
}

/** Applies a strategic merge patch to a copy of `target`, an object of client-node model `model`. */
export function strategicMergePatch(
  target: unknown,
  patch: unknown,
  model: string | undefined,
): unknown {
  if (!isObject(patch)) return clone(patch);
  return mergeMap(isObject(target) ? clone(target) : undefined, patch, model);
}
