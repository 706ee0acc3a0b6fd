import { ReleaseHealth, type ReleaseStatus } from "@smart-orchestrator/shared";
import type { ClusterConfirmation, EnablerDoc, EnablerStatus, LastRepair } from "./enabler-doc.js";

/** One release as a cluster's agent reported it, in our terms. */
export interface ReportedRelease {
  readonly release: string;
  readonly enablerId: string;
  readonly namespace: string;
  readonly revision: number;
  readonly health: "healthy" | "progressing" | "degraded" | "unknown";
  readonly message: string;
  readonly repairs: number;
  /** Agent clock, ms; 0 when nothing was repaired since the agent started. */
  readonly lastRepairAtMs: number;
  readonly lastRepaired: readonly string[];
}

const healthNames: Readonly<Record<number, ReportedRelease["health"]>> = {
  [ReleaseHealth.RELEASE_HEALTH_HEALTHY]: "healthy",
  [ReleaseHealth.RELEASE_HEALTH_PROGRESSING]: "progressing",
  [ReleaseHealth.RELEASE_HEALTH_DEGRADED]: "degraded",
};

/** Reads a (hub-validated) ReleaseStatus, by enabler id. */
export function readReleaseStatus(status: ReleaseStatus): Map<string, ReportedRelease> {
  const out = new Map<string, ReportedRelease>();
  for (const r of status.releases) {
    out.set(r.enablerId, {
      release: r.release,
      enablerId: r.enablerId,
      namespace: r.namespace,
      revision: r.revision,
      health: healthNames[r.health] ?? "unknown",
      message: r.message,
      repairs: r.repairs,
      lastRepairAtMs: r.lastRepairAtMs,
      lastRepaired: [...r.lastRepaired],
    });
  }
  return out;
}

/** What a cluster's report changes on one enabler (applied by EnablerRecords in one write). */
export interface ClusterVerdict {
  readonly confirmed: ClusterConfirmation;
  /** Set when the report holds a newer repair than the one stored. */
  readonly lastRepair?: LastRepair;
  /** The revision the cluster holds, when it is the current one. */
  readonly appliedRevision?: number;
  /** A status change the report calls for. */
  readonly move?: { readonly status: EnablerStatus; readonly reason: string };
  /** Apply the current revision again, with this reason (the cluster lacks it). */
  readonly reapply?: string;
}

/**
 * Compares an enabler with what its cluster reported (`seen`; undefined when
 * the agent holds no desired state for it) and says what changes. A command
 * in flight decides the status itself, so then only the confirmation and the
 * last repair are kept. An enabler in Error is not re-applied by a reconnect:
 * a failed revision is retried by the user's upgrade, not behind their back.
 */
export function verdictOf(
  doc: EnablerDoc,
  seen: ReportedRelease | undefined,
  at: Date,
): ClusterVerdict {
  const confirmed: ClusterConfirmation = {
    at: at.toISOString(),
    ...(seen ? { revision: seen.revision } : {}),
    health: seen?.health ?? "absent",
    message: seen?.message ?? "",
    repairs: seen?.repairs ?? 0,
  };
  const base = { confirmed, ...lastRepairOf(doc, seen) };
  if (doc.pending) return base;
  const current = doc.currentRevision;
  if (!seen || seen.revision < current) {
    if (doc.status === "Error") return base;
    const holds = seen ? `holds revision ${seen.revision}` : "holds no desired state for it";
    return { ...base, reapply: `the cluster ${holds}; applying revision ${current}` };
  }
  if (seen.revision > current) {
    return {
      ...base,
      ...moveTo(
        doc,
        "Error",
        `the cluster holds revision ${seen.revision}, newer than the newest stored here (${current})`,
      ),
    };
  }
  const applied = { ...base, appliedRevision: current };
  if (seen.health === "healthy") {
    return doc.status === "Enabled"
      ? applied
      : { ...applied, ...moveTo(doc, "Enabled", `revision ${current} healthy on the cluster`) };
  }
  if (seen.health === "degraded") {
    const reason = `the cluster reports revision ${current} degraded: ${seen.message || "no reason given"}`;
    return { ...applied, ...moveTo(doc, "Error", reason) };
  }
  return applied;
}

function moveTo(doc: EnablerDoc, status: EnablerStatus, reason: string) {
  return doc.status === status && doc.statusReason === reason ? {} : { move: { status, reason } };
}

function lastRepairOf(
  doc: EnablerDoc,
  seen: ReportedRelease | undefined,
): { lastRepair?: LastRepair } {
  if (!seen || seen.lastRepairAtMs <= 0) return {};
  const at = new Date(seen.lastRepairAtMs).toISOString();
  if (doc.lastRepair && Date.parse(doc.lastRepair.at) >= seen.lastRepairAtMs) return {};
  return { lastRepair: { at, objects: seen.lastRepaired } };
}
