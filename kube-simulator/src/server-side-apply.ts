/**
 * Server-side apply and field ownership (`metadata.managedFields`), as the
 * real API server's structured-merge-diff does it: ownership per leaf
 * field; `map` lists (containers by name, ports by containerPort and
 * protocol, env by name, ...) merged item by item across managers and
 * recorded as `k:{...}` paths, `set` lists by value (`v:`), atomic lists
 * owned whole (apply-schema.ts says which list is which). A manager's apply
 * removes the fields (and list items) it applied before and no longer
 * applies, unless another manager owns them too; a field another manager
 * owns with a different value is a 409 Conflict naming that manager,
 * unless `force=true` takes it over.
 *
 * Simplified: no version conversion of managedFields, no duplicate-key
 * errors in map lists, and new map-list items go after the live ones.
 */

import { ApiStatusError } from "./api-status.js";
import { type ApplyNode, applyRoot } from "./apply-schema.js";
import {
  collectPaths,
  decodeFields,
  describePath,
  encodeFields,
  isItem,
  isPrefix,
  mergeApplied,
  type Path,
  parsePath as parse,
  removePath,
  valueAt,
} from "./field-set.js";
import { clone, isObject, jsonEqual, type KubeObject, timestamp } from "./kube-object.js";
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

/** The field paths of an object (status left out where it is a subresource). */
function fieldPaths(obj: KubeObject, type: ResourceType, root: ApplyNode): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(obj)) {
    if (key === "apiVersion" || key === "kind") continue;
    if (key === "status" && type.hasStatus) continue;
    if (key === "metadata") {
      const meta = root.field("metadata");
      for (const [mk, mv] of Object.entries(isObject(value) ? value : {})) {
        if (metadataFields.has(mk))
          collectPaths(mv, meta.field(mk), ["f:metadata", `f:${mk}`], out);
      }
      continue;
    }
    collectPaths(value, root.field(key), [`f:${key}`], out);
  }
  return out;
}

/**
 * Whether owning `owned` is touched by a change at `changed`: the same
 * field, a field inside it, or an atomic value around it. Owning a list
 * item (`.`) is not touched by a change to one of its fields.
 */
function touches(changed: Path, owned: Path): boolean {
  if (changed.length === owned.length) return changed.every((el, i) => el === owned[i]);
  return isPrefix(changed, owned) || (isPrefix(owned, changed) && !isItem(owned));
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

const copyEntries = (entries: ManagerEntry[]): ManagerEntry[] =>
  entries.map((e) => ({ ...e, paths: new Set(e.paths) }));

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
  const root = applyRoot(type);
  const before = readEntries(live);
  const entries = copyEntries(before);
  const applied = fieldPaths(config, type, root);
  const time = timestamp(options.now);
  const apiVersion = apiVersionOf(type);
  const mine = (e: ManagerEntry) => e.manager === options.manager && e.operation === "Apply";

  if (live) {
    const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
    for (const p of applied) {
      const path = parse(p);
      // An item that is there already is shared; only its fields can conflict.
      if (isItem(path) && valueAt(live, path) !== undefined) continue;
      if (jsonEqual(valueAt(config, path), valueAt(live, path))) continue;
      for (const e of entries) {
        if (mine(e)) continue;
        for (const owned of e.paths) {
          if (touches(path, parse(owned)))
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
  const appliedPaths = [...applied].map(parse);
  const previous = [...(entries.find(mine)?.paths ?? [])]
    .filter((p) => !applied.has(p))
    .map(parse)
    // Items before their fields: removing an item takes its fields with it.
    .sort((a, b) => a.length - b.length);
  for (const p of previous) {
    // Still applied below (or atomically above): not removed.
    if (appliedPaths.some((a) => touches(p, a))) continue;
    const ownedElsewhere = entries.some(
      (e) => !mine(e) && [...e.paths].some((o) => touches(p, parse(o))),
    );
    if (!ownedElsewhere) removePath(result, p);
  }
  const { metadata: configMeta, ...configRest } = config;
  const merged = mergeApplied(result, configRest, root) as KubeObject;
  merged.metadata = result.metadata;
  const meta = root.field("metadata");
  for (const key of metadataFields) {
    if (configMeta[key] !== undefined)
      merged.metadata[key] = mergeApplied(merged.metadata[key], configMeta[key], meta.field(key));
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
  const root = applyRoot(type);
  const old = readEntries(before);
  const entries = copyEntries(old);
  const afterPaths = fieldPaths(after, type, root);
  const beforePaths = before ? fieldPaths(before, type, root) : new Set<string>();
  const changed = [...afterPaths].filter((p) => {
    const path = parse(p);
    if (!before) return true;
    // A list item that was there already stays its owners' when one of its fields changes.
    if (isItem(path)) return valueAt(before, path) === undefined;
    return !jsonEqual(valueAt(after, path), valueAt(before, path));
  });
  const changedPaths = changed.map(parse);
  const removed = new Set([...beforePaths].filter((p) => !afterPaths.has(p)));
  for (const e of entries) {
    for (const owned of [...e.paths]) {
      const o = parse(owned);
      if (removed.has(owned) || changedPaths.some((c) => touches(c, o))) e.paths.delete(owned);
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
  const dotted = (p: string) => describePath(parse(p));
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
