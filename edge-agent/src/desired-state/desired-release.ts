import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { KubeObject } from "../apply/release-labels.js";

/**
 * What the agent holds for one release: the objects of the revision it
 * applied last (as the Apply carried them, before labels and namespace
 * placement, which the agent adds the same way every time) and the
 * revision's Helm hooks (the delete hooks run from here when a Delete
 * carries none).
 */
export interface DesiredRelease {
  readonly release: string;
  readonly enablerId: string;
  /** Namespace for namespaced objects that name none. */
  readonly namespace: string;
  readonly revision: number;
  readonly objects: readonly KubeObject[];
  readonly hooks: readonly KubeObject[];
  /** When the revision was applied, Unix milliseconds. */
  readonly appliedAtMs: number;
  /** Helm test hooks the revision carried, which are never run. */
  readonly skippedTestHooks?: number;
}

/** Where desired states are kept: Secrets in the agent's namespace, or files in host mode. */
export interface DesiredStateStore {
  /** Replaces the release's desired state; resolves once it is durable. */
  save(release: DesiredRelease): Promise<void>;
  /** Forgets a release (after it was deleted). */
  remove(enablerId: string): Promise<void>;
  /** Every held release; damaged entries are skipped and named in `damaged`. */
  loadAll(): Promise<{ releases: DesiredRelease[]; damaged: string[] }>;
  /** Where it lives, for logs. */
  readonly location: string;
}

/** A short stable name part for an enabler id (ids may hold capitals and dots; names may not). */
export function enablerKey(enablerId: string): string {
  return createHash("sha256").update(enablerId).digest("hex").slice(0, 16);
}

/** The gzipped JSON form both stores keep. */
export function encodeDesired(release: DesiredRelease): Buffer {
  return gzipSync(JSON.stringify(release));
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

// At most the link's limit, as the Apply that carried it: a damaged entry must not exhaust memory.
const maxInflatedBytes = 64 * 1024 * 1024;

/** Reads what {@link encodeDesired} wrote; throws with the reason when it is not a desired state. */
export function decodeDesired(bytes: Buffer): DesiredRelease {
  const v: unknown = JSON.parse(
    gunzipSync(bytes, { maxOutputLength: maxInflatedBytes }).toString("utf8"),
  );
  if (!isRecord(v)) throw new Error("not a JSON object");
  for (const key of ["release", "enablerId", "namespace"] as const)
    if (typeof v[key] !== "string" || v[key] === "") throw new Error(`${key} missing`);
  if (!Number.isSafeInteger(v.revision) || (v.revision as number) < 1)
    throw new Error("revision missing");
  for (const key of ["objects", "hooks"] as const) {
    const list = v[key];
    if (!Array.isArray(list)) throw new Error(`${key} missing`);
    list.forEach((o: unknown, i) => {
      if (
        !isRecord(o) ||
        typeof o.apiVersion !== "string" ||
        typeof o.kind !== "string" ||
        !isRecord(o.metadata) ||
        typeof o.metadata.name !== "string"
      )
        throw new Error(`${key}[${i}] is not a Kubernetes object`);
    });
  }
  return {
    release: v.release as string,
    enablerId: v.enablerId as string,
    namespace: v.namespace as string,
    revision: v.revision as number,
    objects: v.objects as KubeObject[],
    hooks: v.hooks as KubeObject[],
    appliedAtMs: typeof v.appliedAtMs === "number" ? v.appliedAtMs : 0,
    ...(typeof v.skippedTestHooks === "number" ? { skippedTestHooks: v.skippedTestHooks } : {}),
  };
}
