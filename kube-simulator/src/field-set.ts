/**
 * Field paths as structured-merge-diff writes them in `managedFields`
 * (`fieldsV1`): a path is a list of elements, `f:<field>` for a field of an
 * object, `k:{"name":"app"}` for the item of a `map` list with those key
 * values, `v:"x"` for a value of a `set` list. An atomic list (or any other
 * leaf) is one path. A path ending in a `k:` element is the item itself
 * (`.` in fieldsV1): whoever owns it keeps the item in the list.
 *
 * Paths are kept as JSON-encoded element arrays so sets of them compare by value.
 */
import type { ApplyNode } from "./apply-schema.js";
import { clone, isObject, type JsonObject, jsonEqual } from "./kube-object.js";

/** A path's elements (`f:spec`, `k:{"name":"app"}`, `v:"x"`). */
export type Path = readonly string[];

/** Parsed paths, shared by every apply: the same few hundred paths recur across objects. */
const parsedPaths = new Map<string, Path>();

/** A path from its JSON encoding (memoized, bounded). */
export function parsePath(p: string): Path {
  let path = parsedPaths.get(p);
  if (!path) {
    if (parsedPaths.size >= 10_000) parsedPaths.clear();
    path = JSON.parse(p) as string[];
    parsedPaths.set(p, path);
  }
  return path;
}

/** A map-list key defaulted by the schema when an item omits it (ports' `protocol`). */
const keyDefaults: Readonly<Record<string, unknown>> = { protocol: "TCP" };

/** The `k:` element of a map-list item: its key fields, sorted, as JSON. */
export function keyElement(item: JsonObject, keys: readonly string[]): string {
  const key: JsonObject = {};
  for (const k of [...keys].sort()) {
    const value = item[k] ?? keyDefaults[k];
    if (value !== undefined) key[k] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** Parsed `k:` elements; the same few recur on every apply. */
const parsedKeys = new Map<string, [string, unknown][]>();

/** Whether `item` is the map-list item that `el` (`k:{...}`) names. */
function itemKeyElement(item: unknown, el: string): boolean {
  if (!isObject(item)) return false;
  let key = parsedKeys.get(el);
  if (!key) {
    if (parsedKeys.size >= 10_000) parsedKeys.clear();
    key = Object.entries(JSON.parse(el.slice(2)) as JsonObject);
    parsedKeys.set(el, key);
  }
  return key.every(([k, v]) => (item[k] ?? keyDefaults[k]) === v);
}

/** Whether a path names a map-list item itself (`.` in fieldsV1). */
export const isItem = (path: Path): boolean => path[path.length - 1]?.startsWith("k:") ?? false;

/** Whether `a` is a proper prefix of `b`. */
export function isPrefix(a: Path, b: Path): boolean {
  return a.length < b.length && a.every((el, i) => el === b[i]);
}

/** Adds the paths of `value` (at `path`, described by `node`) to `out`. */
export function collectPaths(value: unknown, node: ApplyNode, path: Path, out: Set<string>): void {
  if (Array.isArray(value) && value.length > 0) {
    const list = node.list;
    if (list.type === "map" && value.every(isObject)) {
      for (const item of value as JsonObject[]) {
        const at = [...path, keyElement(item, list.keys)];
        out.add(JSON.stringify(at));
        for (const [k, v] of Object.entries(item))
          collectPaths(v, node.item().field(k), [...at, `f:${k}`], out);
      }
      return;
    }
    if (list.type === "set") {
      for (const v of value) out.add(JSON.stringify([...path, `v:${JSON.stringify(v)}`]));
      return;
    }
  } else if (isObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value))
      collectPaths(v, node.field(k), [...path, `f:${k}`], out);
    return;
  }
  out.add(JSON.stringify(path));
}

/** The value at `path` in `obj`, or undefined. */
export function valueAt(obj: unknown, path: Path): unknown {
  let current = obj;
  for (const el of path) {
    if (el.startsWith("f:")) {
      current = isObject(current) ? current[el.slice(2)] : undefined;
    } else if (el.startsWith("k:")) {
      current = Array.isArray(current) ? current.find((i) => itemKeyElement(i, el)) : undefined;
    } else {
      const value = JSON.parse(el.slice(2)) as unknown;
      current =
        Array.isArray(current) && current.some((v) => jsonEqual(v, value)) ? value : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

const isEmpty = (v: unknown) =>
  (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

/**
 * Removes what `path` names from `obj` (a field, a list item, a set value),
 * then the maps and lists that removal left empty, as the real apply does.
 * The key fields of an item are never removed on their own.
 */
export function removePath(obj: JsonObject, path: Path): void {
  const walk = (node: unknown, i: number): void => {
    const el = path[i]!;
    const last = i === path.length - 1;
    if (el.startsWith("f:")) {
      if (!isObject(node)) return;
      const name = el.slice(2);
      const parent = path[i - 1];
      if (last) {
        if (parent?.startsWith("k:") && name in (JSON.parse(parent.slice(2)) as JsonObject)) return;
        delete node[name];
        return;
      }
      walk(node[name], i + 1);
      if (isEmpty(node[name])) delete node[name];
      return;
    }
    if (!Array.isArray(node)) return;
    const at = el.startsWith("k:")
      ? node.findIndex((item) => itemKeyElement(item, el))
      : node.findIndex((v) => jsonEqual(v, JSON.parse(el.slice(2))));
    if (at < 0) return;
    if (last) node.splice(at, 1);
    else walk(node[at], i + 1);
  };
  walk(obj, 0);
}

/**
 * `config` merged onto `live`: maps field by field, `map` lists item by
 * item on their keys (new items after the live ones), `set` lists as a
 * union, anything else replaced.
 */
export function mergeApplied(live: unknown, config: unknown, node: ApplyNode): unknown {
  if (Array.isArray(config)) {
    const list = node.list;
    if (!Array.isArray(live) || list.type === "atomic") return clone(config);
    const out: unknown[] = [...live];
    if (list.type === "set") {
      for (const v of config) if (!out.some((x) => jsonEqual(x, v))) out.push(clone(v));
      return out;
    }
    if (!config.every(isObject) || !out.every(isObject)) return clone(config);
    const at = new Map(out.map((x, i) => [keyElement(x as JsonObject, list.keys), i]));
    for (const item of config as JsonObject[]) {
      const key = keyElement(item, list.keys);
      const i = at.get(key);
      if (i !== undefined) out[i] = mergeApplied(out[i], item, node.item()) as JsonObject;
      else at.set(key, out.push(clone(item)) - 1);
    }
    return out;
  }
  if (!isObject(config) || !isObject(live)) return clone(config);
  const out: JsonObject = { ...live };
  for (const [k, v] of Object.entries(config)) out[k] = mergeApplied(out[k], v, node.field(k));
  return out;
}

/** `fieldsV1` for a set of paths (items get `.`). */
export function encodeFields(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    const path = parsePath(p);
    let node = root;
    for (const el of path) {
      if (!isObject(node[el])) node[el] = {};
      node = node[el] as JsonObject;
    }
    if (isItem(path)) node["."] = {};
  }
  return root;
}

/** The paths a `fieldsV1` names. */
export function decodeFields(fields: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]) => {
    const keys = isObject(node) ? Object.keys(node) : [];
    if (path.length > 0 && (keys.length === 0 || keys.includes("."))) out.add(JSON.stringify(path));
    for (const k of keys) if (k !== ".") walk((node as JsonObject)[k], [...path, k]);
  };
  walk(fields, []);
  return out;
}

/** A path as the API server's conflict messages print it: `.spec.containers[name="app"].image`. */
export function describePath(path: Path): string {
  return path
    .map((el) => {
      const body = el.slice(2);
      if (el.startsWith("f:")) return `.${body}`;
      if (el.startsWith("v:")) return `[=${body}]`;
      const key = JSON.parse(body) as JsonObject;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    })
    .join("");
}
