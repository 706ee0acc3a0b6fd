/**
 * Label and field selectors with the grammar and the errors of
 * apimachinery's `labels.Parse` and `fields.ParseSelector`.
 */
import { ApiStatusError } from "./api-status.js";
import { getPath, type KubeObject } from "./kube-object.js";
import type { ResourceType } from "./resource-registry.js";

/** A compiled selector: true when the object matches. */
export type Matcher = (obj: KubeObject) => boolean;

const keyPattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type LabelRequirement = (labels: Readonly<Record<string, string>>) => boolean;

/** Splits on commas that are not inside `( … )`. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function badSelector(selector: string, why: string): ApiStatusError {
  return new ApiStatusError("BadRequest", `unable to parse requirement: ${why}`, {
    causes: [{ reason: "FieldValueInvalid", message: why, field: selector }],
  });
}

function checkKey(selector: string, key: string): string {
  if (!keyPattern.test(key) || key.length > 316) {
    throw badSelector(
      selector,
      `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
    );
  }
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!valuePattern.test(value) || value.length > 63) {
    throw badSelector(selector, `invalid label value: "${value}"`);
  }
  return value;
}

function parseRequirement(selector: string, raw: string): LabelRequirement {
  const part = raw.trim();
  let m = /^!\s*(\S+)$/.exec(part);
  if (m) {
    const key = checkKey(selector, m[1]!);
    return (labels) => !(key in labels);
  }
  m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (m) {
    const key = checkKey(selector, m[1]!);
    const values = new Set(m[3]!.split(",").map((v) => checkValue(selector, v.trim())));
    if (m[2] === "in") return (labels) => key in labels && values.has(labels[key]!);
    return (labels) => !(key in labels) || !values.has(labels[key]!);
  }
  m = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(part);
  if (m) {
    const key = checkKey(selector, m[1]!);
    const op = m[2]!;
    if (op === ">" || op === "<") {
      if (!/^-?\d+$/.test(m[3]!))
        throw badSelector(selector, `for 'Gt', 'Lt' operators, the value must be an integer`);
      const bound = Number(m[3]);
      return (labels) => {
        const v = labels[key];
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        return op === ">" ? Number(v) > bound : Number(v) < bound;
      };
    }
    const value = checkValue(selector, m[3]!);
    if (op === "!=") return (labels) => labels[key] !== value;
    return (labels) => labels[key] === value;
  }
  if (/^\S+$/.test(part)) {
    const key = checkKey(selector, part);
    return (labels) => key in labels;
  }
  throw badSelector(selector, `found '${part}', expected: identifier`);
}

/** Compiles a label selector string; an empty one matches everything. */
export function parseLabelSelector(selector: string | null | undefined): Matcher {
  if (!selector?.trim()) return () => true;
  const requirements = splitTopLevel(selector).map((p) => parseRequirement(selector, p));
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    return requirements.every((r) => r(labels));
  };
}

/** True when labels match a `matchLabels` map (used by workload selectors). */
export function matchesLabels(
  labels: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(wanted).every(([k, v]) => labels?.[k] === v);
}

// Field labels each resource supports beyond metadata.name/namespace,
// as registered by the real API server's field label conversion functions.
const extraFields: Readonly<Record<string, readonly string[]>> = {
  pods: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  secrets: ["type"],
  persistentvolumeclaims: [],
  events: [],
};

/** Compiles a field selector for a resource; unknown fields are a 400 as on the real API. */
export function parseFieldSelector(
  selector: string | null | undefined,
  type: ResourceType,
): Matcher {
  if (!selector?.trim()) return () => true;
  const allowed = new Set([
    "metadata.name",
    "metadata.namespace",
    ...(extraFields[type.plural] ?? []),
  ]);
  const tests = selector.split(",").map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) {
      throw new ApiStatusError(
        "BadRequest",
        `invalid selector: '${selector}'; can't understand '${raw}'`,
      );
    }
    const field = m[1]!;
    if (!allowed.has(field)) {
      throw new ApiStatusError("BadRequest", `field label not supported: ${field}`);
    }
    const path = field.split(".");
    const negate = m[2] === "!=";
    const value = m[3]!;
    return (obj: KubeObject) => {
      const actual = getPath(obj, path);
      // Unset fields compare as "", and booleans as their text, like the real field sets.
      const text = actual === undefined || actual === null ? "" : String(actual);
      return negate ? text !== value : text === value;
    };
  });
  return (obj) => tests.every((t) => t(obj));
}
