import { gunzipSync } from "node:zlib";
import {
  type Apply,
  type Delete,
  type DeleteVolumes,
  maxLinkMessageBytes,
} from "@smart-orchestrator/shared";
import { invalid } from "./command-failure.js";
import type { KubeObject, ReleaseIdentity } from "./release-labels.js";

/** Limits on what one Apply may carry (documented in agent.proto). */
export const applyLimits = {
  maxInflatedBytes: maxLinkMessageBytes,
  maxObjects: 10_000,
} as const;

/** Default wait for readiness or deletion when a command gives 0: the original API's 5m0s. */
export const defaultTimeoutMs = 5 * 60_000;

/** A validated Apply. */
export interface ApplyInput extends ReleaseIdentity {
  readonly namespace: string;
  readonly revision: number;
  readonly objects: readonly KubeObject[];
  readonly timeoutMs: number;
  readonly forceConflicts: boolean;
}

/** A validated Delete. */
export interface DeleteInput extends ReleaseIdentity {
  readonly namespace: string;
  readonly timeoutMs: number;
  /** The pre-/post-delete hooks the Delete carried (none: the held revision's). */
  readonly hooks?: readonly KubeObject[];
}

/** A validated DeleteVolumes. */
export interface DeleteVolumesInput extends ReleaseIdentity {
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly force: boolean;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const labelValue = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const apiVersion = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const kindName = /^[A-Z][A-Za-z0-9]{0,62}$/;

function identity(cmd: { release: string; enablerId: string; namespace: string }, at: string) {
  if (!dnsLabel.test(cmd.release) || cmd.release.length > 53)
    throw invalid(`${at}.release`, "must be a DNS-1123 label of at most 53 characters");
  if (!labelValue.test(cmd.enablerId) || cmd.enablerId.length > 63)
    throw invalid(`${at}.enabler_id`, "must be 1-63 characters of [A-Za-z0-9._-]");
  if (!dnsLabel.test(cmd.namespace) || cmd.namespace.length > 63)
    throw invalid(`${at}.namespace`, "must be a DNS-1123 label");
  return { release: cmd.release, enablerId: cmd.enablerId, namespace: cmd.namespace };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkObject(value: unknown, i: number, field = "apply.objects"): KubeObject {
  const at = `${field}[${i}]`;
  if (!isPlainObject(value)) throw invalid(at, "not a JSON object");
  if (typeof value.apiVersion !== "string" || !apiVersion.test(value.apiVersion))
    throw invalid(`${at}.apiVersion`, "required, like v1 or apps/v1");
  if (typeof value.kind !== "string" || !kindName.test(value.kind))
    throw invalid(`${at}.kind`, "required, a Kubernetes kind");
  const meta = value.metadata;
  if (!isPlainObject(meta)) throw invalid(`${at}.metadata`, "required");
  if (typeof meta.name !== "string" || !dnsSubdomain.test(meta.name) || meta.name.length > 253)
    throw invalid(`${at}.metadata.name`, "required, a DNS-1123 subdomain");
  if (
    meta.namespace !== undefined &&
    (typeof meta.namespace !== "string" || !dnsLabel.test(meta.namespace))
  )
    throw invalid(`${at}.metadata.namespace`, "must be a DNS-1123 label");
  for (const key of ["labels", "annotations"] as const) {
    const map = meta[key];
    if (map === undefined || map === null) continue;
    if (!isPlainObject(map) || Object.values(map).some((v) => typeof v !== "string"))
      throw invalid(`${at}.metadata.${key}`, "must map strings to strings");
  }
  // Fields only the server sets would fail the apply or fight the API server's own writes.
  const {
    resourceVersion: _rv,
    uid: _uid,
    managedFields: _mf,
    creationTimestamp: _ct,
    ...rest
  } = meta;
  return { ...value, metadata: rest } as KubeObject;
}

/** Inflates and checks gzipped JSON objects (Apply.objects, Delete.hooks). */
function readObjects(bytes: Uint8Array, field: string): KubeObject[] {
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: applyLimits.maxInflatedBytes }).toString("utf8");
  } catch (err) {
    const tooBig = (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    throw invalid(
      field,
      tooBig ? `inflates to more than ${applyLimits.maxInflatedBytes} bytes` : "not gzip data",
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(field, "not JSON once inflated");
  }
  if (!Array.isArray(parsed)) throw invalid(field, "must be a JSON array of objects");
  if (parsed.length > applyLimits.maxObjects)
    throw invalid(field, `more than ${applyLimits.maxObjects} objects`);
  const objects = parsed.map((o, i) => checkObject(o, i, field));
  const seen = new Set<string>();
  objects.forEach((o, i) => {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    const key = `${group}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (seen.has(key)) throw invalid(`${field}[${i}]`, `duplicate ${o.kind} "${o.metadata.name}"`);
    seen.add(key);
  });
  return objects;
}

/** Inflates and checks an Apply; throws a CommandFailure (invalid) naming the field. */
export function readApply(cmd: Apply): ApplyInput {
  const id = identity(cmd, "apply");
  if (!Number.isSafeInteger(cmd.revision) || cmd.revision < 1)
    throw invalid("apply.revision", "must be an integer >= 1");
  return {
    ...id,
    revision: cmd.revision,
    objects: readObjects(cmd.objects, "apply.objects"),
    timeoutMs: cmd.timeoutMs || defaultTimeoutMs,
    forceConflicts: cmd.forceConflicts,
  };
}

/** Checks a Delete; throws a CommandFailure (invalid) naming the field. */
export function readDelete(cmd: Delete): DeleteInput {
  return {
    ...identity(cmd, "delete"),
    timeoutMs: cmd.timeoutMs || defaultTimeoutMs,
    hooks: cmd.hooks.length > 0 ? readObjects(cmd.hooks, "delete.hooks") : [],
  };
}

/** Checks a DeleteVolumes; throws a CommandFailure (invalid) naming the field. */
export function readDeleteVolumes(cmd: DeleteVolumes): DeleteVolumesInput {
  return {
    ...identity(cmd, "delete_volumes"),
    timeoutMs: cmd.timeoutMs || defaultTimeoutMs,
    force: cmd.force,
  };
}
