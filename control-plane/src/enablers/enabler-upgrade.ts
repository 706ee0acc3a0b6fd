import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type EnablerDoc, newCommand } from "./enabler-doc.js";
import { fieldError } from "./enabler-errors.js";
import {
  type ClusterDirectory,
  enablerCluster,
  type OutboxNudge,
  waitingReason,
} from "./enabler-ports.js";
import type { EnablerRecords } from "./enabler-records.js";
import type { EnablerDetailView, UpgradeEnablerInput } from "./enabler-schemas.js";
import type { UpgradeChanges } from "./enabler-transitions.js";
import { toEnablerDetail } from "./enabler-views.js";
import { parseGoDuration } from "./go-duration.js";
import {
  type BuiltRelease,
  type ReleaseBuilder,
  sourceOf,
  type TargetCluster,
} from "./release-builder.js";
import type { RevisionStore } from "./revision-store.js";

/** What {@link upgradeEnabler} needs. */
export interface UpgradeEnablerDeps {
  readonly records: Pick<EnablerRecords, "require" | "start">;
  readonly revisions: Pick<RevisionStore, "record" | "reload" | "discard">;
  readonly builder: Pick<ReleaseBuilder, "build">;
  readonly clusters: ClusterDirectory;
  readonly nudge: OutboxNudge;
  readonly now: () => Date;
}

type Changes = { -readonly [K in keyof UpgradeChanges]: UpgradeChanges[K] };

/**
 * `POST /enabler/upgrade/:id`: a new revision; given values replace,
 * omitted ones are kept. The revision is stored before the enabler points
 * at it; a 409 from a command in flight drops it again.
 */
export async function upgradeEnabler(
  d: UpgradeEnablerDeps,
  id: string,
  input: UpgradeEnablerInput,
): Promise<EnablerDetailView> {
  const doc = await d.records.require(id);
  const cluster = await enablerCluster(d.clusters, doc.cluster);
  const next = doc.currentRevision + 1;
  const changes: Changes = {};
  const built = await buildNext(d, { doc, cluster, input, changes });
  if (input.timeout) {
    changes.timeout = input.timeout;
    changes.timeoutMs = parseGoDuration(input.timeout) ?? doc.timeoutMs;
  }
  const timeoutMs = changes.timeoutMs ?? doc.timeoutMs;
  // A revision left by a request that died before recording it is replaced, never applied.
  await d.revisions.discard(id, next);
  const summary = await d.revisions.record(id, next, built, d.now());
  try {
    const command = newCommand("upgrade", timeoutMs, d.now(), { revision: next });
    const updated = await d.records.start(id, command, {
      waitingReason: waitingReason(d.clusters, cluster),
      revision: summary,
      changes,
    });
    d.nudge(doc.cluster);
    return toEnablerDetail(updated, cluster.name);
  } catch (err) {
    await d.revisions.discard(id, next);
    throw err;
  }
}

/**
 * The release of the next revision. A chart re-renders with the merged
 * values and version; manifests render only when new ones are given, else
 * the stored objects are reused (a timeout-only upgrade re-applies them).
 * Fields that do not fit the enabler's kind are refused by name.
 */
async function buildNext(
  d: UpgradeEnablerDeps,
  r: { doc: EnablerDoc; cluster: TargetCluster; input: UpgradeEnablerInput; changes: Changes },
): Promise<BuiltRelease> {
  const { doc, cluster, input, changes } = r;
  const target = { cluster, name: doc.name, namespace: doc.namespace };
  if (doc.helmChart) {
    if (input.manifests)
      throw fieldError("manifests", "this enabler is a Helm chart; give values or version");
    const values = input.values ?? doc.values;
    const versionSpec = input.version ?? doc.versionSpec;
    const built = await d.builder.build(
      { type: "chart", ref: doc.helmChart, ...(versionSpec ? { versionSpec } : {}), values },
      target,
    );
    changes.values = values;
    if (versionSpec) changes.versionSpec = versionSpec;
    return built;
  }
  if (input.values) throw fieldError("values", "this enabler is made of manifests; give manifests");
  if (input.version)
    throw fieldError("version", "this enabler is made of manifests; give manifests");
  if (input.manifests) {
    return d.builder.build(sourceOf(undefined, input.manifests, undefined, {}), target);
  }
  const current = doc.revisions.find((s) => s.revision === doc.currentRevision);
  const stored = current && (await d.revisions.reload(doc._id, current));
  if (!stored) {
    throw new AppError(
      ErrorCode.Internal,
      `revision ${doc.currentRevision} of ${doc._id} is missing`,
    );
  }
  return stored;
}
