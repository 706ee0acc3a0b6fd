/**
 * Two of the non-apply patch types: JSON merge patch (RFC 7386) and JSON
 * patch (RFC 6902, the default content type of client-node's typed `patch*`
 * calls). Strategic merge patch is in strategic-merge.ts.
 */
import { ApiStatusError } from "./api-status.js";
import { clone, isObject, type JsonObject, jsonEqual } from "./kube-object.js";

/** RFC 7386: objects merge, `null` deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** One RFC 6902 operation. */
interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw patchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function patchError(message: string): ApiStatusError {
  return new ApiStatusError(
    "Invalid",
    `the server rejected our request due to an error in our request: ${message}`,
  );
}

function parentOf(doc: unknown, tokens: string[]): { parent: unknown; key: string } {
  let parent = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(parent)) parent = parent[Number(token)];
    else if (isObject(parent)) parent = parent[token];
    else parent = undefined;
    if (parent === undefined) throw patchError(`path "/${tokens.join("/")}" does not exist`);
  }
  return { parent, key: tokens[tokens.length - 1] ?? "" };
}

function read(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens);
  const value = Array.isArray(parent)
    ? parent[Number(key)]
    : isObject(parent)
      ? parent[key]
      : undefined;
  if (value === undefined) throw patchError(`path "/${tokens.join("/")}" does not exist`);
  return value;
}

function remove(doc: unknown, tokens: string[]): void {
  const { parent, key } = parentOf(doc, tokens);
  read(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isObject(parent)) delete parent[key];
}

function add(doc: unknown, tokens: string[], value: unknown, replace: boolean): void {
  const { parent, key } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw patchError(`index ${key} out of range`);
    }
    if (replace) parent[index] = value;
    else parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    parent[key] = value;
  } else {
    throw patchError(`path "/${tokens.join("/")}" does not exist`);
  }
}

/** Applies an RFC 6902 patch to a copy of `target`. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw patchError("a JSON patch must be an array of operations");
  const doc = { root: clone(target) };
  for (const raw of ops as JsonPatchOp[]) {
    const tokens = ["root", ...pointer(String(raw.path ?? ""))];
    switch (raw.op) {
      case "add":
        add(doc, tokens, clone(raw.value), false);
        break;
      case "replace":
        read(doc, tokens);
        add(doc, tokens, clone(raw.value), true);
        break;
      case "remove":
        remove(doc, tokens);
        break;
      case "move":
      case "copy": {
        const from = ["root", ...pointer(String(raw.from ?? ""))];
        const value = clone(read(doc, from));
        if (raw.op === "move") remove(doc, from);
        add(doc, tokens, value, false);
        break;
      }
      case "test":
        if (!jsonEqual(read(doc, tokens), raw.value)) {
          throw patchError(`testing value at "${raw.path}" failed`);
        }
        break;
      default:
        throw patchError(`unknown operation "${raw.op}"`);
    }
  }
  return doc.root;
}
