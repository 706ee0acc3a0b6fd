/**
 * Server-side apply and field ownership (`metadata.managedFields`).
 *
 * Simplified from the real structured-merge-diff, on purpose and stated:
 * ownership is tracked per leaf field, and lists are atomic (one owner for
 * the whole list; associative `k:{...}` keys are not produced). That keeps
 * what the agent relies on: apply creates or updates, fields a manager
 * stops applying are removed, and a field another manager owns with a
 * different value is a 409 Conflict unless `force=true`.
 */
import { ApiStatusError } from "./api-status.js";
import {
  clone,
  getPath,
  isObject,
  type JsonObject,
  jsonEqual,
  type KubeObject,
  timestamp,
} from "./kube-object.js";
import { apiVersionOf, type ResourceType } from "./resource-registry.js";

type Operation = "Apply" | "Update";

interface ManagerEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time: string;
  paths: Set<string>;
}

/** Options for {@link serverSideApply}. */
export interface ApplyOptions {
  readonly manager: string;
  readonly force: boolean;
  readonly now: number;
}

const metadataFields = new Set(["labels", "annotations", "ownerReferences", "finalizers"]);

/** Leaf field paths of an object, as JSON-encoded string arrays. */
function fieldPaths(obj: KubeObject, type: ResourceType): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown, path: string[]) => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else {
      out.add(JSON.stringify(path));
    }
  };
  for (const [key, value] of Object.entries(obj)) {
    if (key === "apiVersion" || key === "kind") continue;
    if (key === "status" && type.hasStatus) continue;
    if (key === "metadata") {
      for (const [mk, mv] of Object.entries(isObject(value) ? value : {})) {
        if (metadataFields.has(mk)) walk(mv, ["metadata", mk]);
      }
      continue;
    }
    walk(value, [key]);
  }
  return out;
}

function overlaps(a: string, b: string): boolean {
  const pa = JSON.parse(a) as string[];
  const pb = JSON.parse(b) as string[];
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) if (pa[i] !== pb[i]) return false;
  return true;
}

function encodeFields(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let node = root;
    for (const seg of JSON.parse(p) as string[]) {
      const key = `f:${seg}`;
      if (!isObject(node[key])) node[key] = {};
      node = node[key] as JsonObject;
    }
  }
  return root;
}

function decodeFields(fields: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: string[]) => {
    const keys = isObject(node) ? Object.keys(node).filter((k) => k !== ".") : [];
    // A node with associative keys (k:, v:, i:) from a real cluster is treated as one atomic leaf.
    if (keys.length === 0 || keys.some((k) => !k.startsWith("f:"))) {
      if (path.length > 0) out.add(JSON.stringify(path));
      return;
    }
    for (const k of keys) walk((node as JsonObject)[k], [...path, k.slice(2)]);
  };
  walk(fields, []);
  return out;
}

function readEntries(obj: KubeObject | undefined): ManagerEntry[] {
  return (obj?.metadata.managedFields ?? []).map((e) => ({
    manager: String(e.manager ?? ""),
    operation: e.operation === "Apply" ? "Apply" : "Update",
    apiVersion: String(e.apiVersion ?? ""),
    time: String(e.time ?? ""),
    paths: decodeFields(e.fieldsV1),
  }));
}

function writeEntries(obj: KubeObject, entries: ManagerEntry[], before: ManagerEntry[]): void {
  const kept = entries.filter((e) => e.paths.size > 0);
  obj.metadata.managedFields = kept.map((e) => {
    // Keep the old timestamp when a manager's set did not change, so a
    // no-op apply leaves the object (and its resourceVersion) untouched.
    const old = before.find((b) => b.manager === e.manager && b.operation === e.operation);
    const same =
      old && old.paths.size === e.paths.size && [...e.paths].every((p) => old.paths.has(p));
    return {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: same ? old.time : e.time,
      fieldsType: "FieldsV1",
      fieldsV1: encodeFields([...e.paths].sort()),
    };
  });
  if (kept.length === 0) delete obj.metadata.managedFields;
}

function entryFor(
  entries: ManagerEntry[],
  manager: string,
  operation: Operation,
  apiVersion: string,
  time: string,
): ManagerEntry {
  let entry = entries.find((e) => e.manager === manager && e.operation === operation);
  if (!entry) {
    entry = { manager, operation, apiVersion, time, paths: new Set() };
    entries.push(entry);
  }
  entry.time = time;
  entry.apiVersion = apiVersion;
  return entry;
}

function deletePath(obj: JsonObject, path: string[]): void {
  const parents: JsonObject[] = [obj];
  let node: unknown = obj;
  for (const seg of path.slice(0, -1)) {
    node = isObject(node) ? node[seg] : undefined;
    if (!isObject(node)) return;
    parents.push(node);
  }
  delete parents[parents.length - 1]![path[path.length - 1]!];
  // Prune maps that became empty, as the real apply does.
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]!).length > 0) break;
    delete parents[i - 1]![path[i - 1]!];
  }
}

function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isObject(overlay) || !isObject(base)) return clone(overlay);
  const out: JsonObject = { ...base };
  for (const [k, v] of Object.entries(overlay)) out[k] = deepMerge(out[k], v);
  return out;
}

/**
 * Applies `config` for `manager` on top of `live` (undefined: create) and
 * returns the object to store, with managedFields updated.
 */
export function serverSideApply(
  type: ResourceType,
  live: KubeObject | undefined,
  config: KubeObject,
  options: ApplyOptions,
): KubeObject {
  const before = readEntries(live);
  const entries = readEntries(live);
  const applied = fieldPaths(config, type);
  const time = timestamp(options.now);
  const apiVersion = apiVersionOf(type);
  const mine = (e: ManagerEntry) => e.manager === options.manager && e.operation === "Apply";

  if (live) {
    const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
    for (const p of applied) {
      const path = JSON.parse(p) as string[];
      if (jsonEqual(getPath(config, path), getPath(live, path))) continue;
      for (const e of entries) {
        if (mine(e)) continue;
        for (const owned of e.paths) {
          if (overlaps(owned, p))
            conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: owned });
        }
      }
    }
    if (conflicts.length > 0 && !options.force) throw applyConflict(type, live, conflicts);
    for (const c of conflicts) {
      for (const e of entries) if (!mine(e)) e.paths.delete(c.path);
    }
  }

  const result = (
    live ? clone(live) : { apiVersion: config.apiVersion, kind: config.kind, metadata: {} }
  ) as KubeObject;
  const previous = entries.find(mine)?.paths ?? new Set<string>();
  for (const p of previous) {
    if (applied.has(p) || [...applied].some((a) => overlaps(a, p))) continue;
    if (entries.some((e) => !mine(e) && [...e.paths].some((o) => overlaps(o, p)))) continue;
    deletePath(result, JSON.parse(p) as string[]);
  }
  const { metadata: configMeta, ...configRest } = config;
  const merged = deepMerge(result, configRest) as KubeObject;
  merged.metadata = result.metadata;
  for (const key of metadataFields) {
    if (configMeta[key] !== undefined)
      merged.metadata[key] = deepMerge(merged.metadata[key], configMeta[key]);
  }
  if (!live) {
    merged.metadata.name = configMeta.name;
    if (configMeta.namespace) merged.metadata.namespace = configMeta.namespace;
  }
  entryFor(entries, options.manager, "Apply", apiVersion, time).paths = applied;
  writeEntries(merged, entries, before);
  return merged;
}

/**
 * Records the fields a non-apply write (create, update, patch) changed as
 * owned by `manager` with operation Update, taking them from other managers.
 */
export function recordUpdate(
  type: ResourceType,
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  now: number,
): KubeObject {
  const old = readEntries(before);
  const entries = readEntries(before);
  const afterPaths = fieldPaths(after, type);
  const beforePaths = before ? fieldPaths(before, type) : new Set<string>();
  const changed = [...afterPaths].filter((p) => {
    const path = JSON.parse(p) as string[];
    return !before || !jsonEqual(getPath(after, path), getPath(before, path));
  });
  const removed = [...beforePaths].filter((p) => !afterPaths.has(p));
  for (const e of entries) {
    for (const owned of [...e.paths]) {
      if (changed.some((c) => overlaps(c, owned)) || removed.includes(owned)) e.paths.delete(owned);
    }
  }
  const result = clone(after);
  if (changed.length > 0) {
    const entry = entryFor(entries, manager, "Update", apiVersionOf(type), timestamp(now));
    for (const p of changed) entry.paths.add(p);
  }
  writeEntries(result, entries, old);
  return result;
}

function applyConflict(
  type: ResourceType,
  live: KubeObject,
  conflicts: { manager: string; apiVersion: string; path: string }[],
): ApiStatusError {
  const dotted = (p: string) => `.${(JSON.parse(p) as string[]).join(".")}`;
  const lines = conflicts.map(
    (c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${dotted(c.path)}`,
  );
  const noun = conflicts.length === 1 ? "conflict" : "conflicts";
  return new ApiStatusError(
    "Conflict",
    `Apply failed with ${conflicts.length} ${noun}: ${lines.join("\n")}`,
    {
      name: live.metadata.name,
      group: type.group || undefined,
      kind: type.plural,
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with "${c.manager}" using ${c.apiVersion}`,
        field: dotted(c.path),
      })),
    },
  );
}
