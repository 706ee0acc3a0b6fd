import { randomUUID } from "node:crypto";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { newCommand, releaseKeyOf } from "./enabler-doc.js";
import { nameTaken } from "./enabler-errors.js";
import {
  type ClusterChooser,
  type ClusterDirectory,
  noAutomaticPlacement,
  type OutboxNudge,
  waitingReason,
} from "./enabler-ports.js";
import type { EnablerRecords } from "./enabler-records.js";
import type { CreateEnablerInput } from "./enabler-schemas.js";
import { parseGoDuration } from "./go-duration.js";
import {
  type ReleaseBuilder,
  type ReleaseSource,
  sourceOf,
  type TargetCluster,
} from "./release-builder.js";
import type { RevisionStore } from "./revision-store.js";

/** What {@link createEnabler} needs. */
export interface CreateEnablerDeps {
  readonly records: Pick<EnablerRecords, "byReleaseKey" | "create">;
  readonly revisions: Pick<RevisionStore, "record" | "discard">;
  readonly builder: Pick<ReleaseBuilder, "build">;
  readonly clusters: ClusterDirectory;
  readonly chooser?: ClusterChooser;
  readonly nudge: OutboxNudge;
  readonly now: () => Date;
}

/** A helm/timeout default as the upstream API has it: five minutes. */
const defaultTimeoutMs = 300_000;

/**
 * `POST /enabler`: picks the cluster (named, or chosen for `auto: true`),
 * builds the release, stores revision 1, then the enabler with its deploy
 * command pending, and nudges the outbox. Capacity held by the chooser is
 * let go when anything after the choice fails.
 */
export async function createEnabler(
  d: CreateEnablerDeps,
  input: CreateEnablerInput,
  receivedAt: Date,
): Promise<{ uid: string }> {
  const policy = input.placementPolicy ?? input.placement_policy ?? input.PlacementPolicy;
  const source = sourceOf(input.helmChart, input.manifests, input.version, input.values ?? {});
  const id = randomUUID();
  const chosen = input.auto
    ? await choose(d, { id, input, policy, source })
    : { cluster: await namedCluster(d.clusters, input.cluster ?? "") };
  try {
    return await store(d, { id, input, policy, source, chosen, receivedAt });
  } catch (err) {
    if (input.auto) d.chooser?.abandon?.(id);
    throw err;
  }
}

async function store(
  d: CreateEnablerDeps,
  r: {
    id: string;
    input: CreateEnablerInput;
    policy: string | undefined;
    source: ReleaseSource;
    chosen: { cluster: TargetCluster; placement?: Readonly<Record<string, unknown>> };
    receivedAt: Date;
  },
): Promise<{ uid: string }> {
  const { id, input, policy, chosen } = r;
  const cluster = chosen.cluster;
  const key = releaseKeyOf(cluster.id, input.namespace, input.name);
  if (await d.records.byReleaseKey(key)) throw nameTaken(input.name, input.namespace);
  const built = await d.builder.build(r.source, {
    cluster,
    name: input.name,
    namespace: input.namespace,
  });
  const timeoutMs = parseGoDuration(input.timeout) ?? defaultTimeoutMs;
  const summary = await d.revisions.record(id, 1, built, d.now());
  const command = newCommand("deploy", timeoutMs, d.now(), { revision: 1 });
  try {
    await d.records.create(
      {
        _id: id,
        name: input.name,
        cluster: cluster.id,
        namespace: input.namespace,
        releaseKey: key,
        ...(input.helmChart ? { helmChart: input.helmChart } : {}),
        ...(input.version ? { versionSpec: input.version } : {}),
        ...(built.version ? { version: built.version } : {}),
        values: input.values ?? {},
        timeout: input.timeout,
        timeoutMs,
        ...(policy ? { placementPolicy: policy } : {}),
        auto: input.auto,
        ...(chosen.placement ? { placement: chosen.placement } : {}),
        currentRevision: 1,
        revisions: [summary],
        createdAt: r.receivedAt.toISOString(),
      },
      command,
      waitingReason(d.clusters, cluster),
    );
  } catch (err) {
    // The revision was never pointed at: drop it so a retry starts clean.
    await d.revisions.discard(id, 1);
    throw err;
  }
  d.nudge(cluster.id);
  return { uid: id };
}

function choose(
  d: CreateEnablerDeps,
  r: { id: string; input: CreateEnablerInput; policy: string | undefined; source: ReleaseSource },
) {
  return (d.chooser ?? noAutomaticPlacement).choose({
    id: r.id,
    ...(r.input.predictive !== undefined ? { predictive: r.input.predictive } : {}),
    name: r.input.name,
    namespace: r.input.namespace,
    ...(r.policy ? { policy: r.policy } : {}),
    source: r.source,
  });
}

async function namedCluster(clusters: ClusterDirectory, idOrName: string): Promise<TargetCluster> {
  const cluster = await clusters.find(idOrName);
  if (!cluster) {
    throw new AppError(ErrorCode.NotFound, `cluster ${idOrName} not found`, {
      fields: [{ field: "cluster", reason: "no cluster with this id or name" }],
    });
  }
  return cluster;
}
