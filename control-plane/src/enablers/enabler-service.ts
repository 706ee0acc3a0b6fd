import { randomUUID } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { stringify } from "yaml";
import type { PendingCommand, RevisionSummary } from "./enabler-doc.js";
import { newCommand, releaseKeyOf } from "./enabler-doc.js";
import type { EnablerRecords, UpgradeChanges } from "./enabler-records.js";
import type {
  CreateEnablerInput,
  DeletedEnablerView,
  EnablerDetailView,
  EnablerView,
  UpgradeEnablerInput,
} from "./enabler-schemas.js";
import { toDeletedView, toEnablerDetail, toEnablerView } from "./enabler-views.js";
import { parseGoDuration } from "./go-duration.js";
import type {
  BuiltRelease,
  ReleaseBuilder,
  ReleaseSource,
  TargetCluster,
} from "./release-builder.js";
import type { RevisionStore } from "./revision-store.js";
import { nextOrTimeout, SettleSignals, type SettleSubscription } from "./settle-signals.js";
import type { TombstoneStore } from "./tombstone-store.js";

/** Clusters as the enablers see them (the cluster records implement it). */
export interface ClusterDirectory {
  /** A cluster by id or by name. */
  find(idOrName: string): Promise<TargetCluster | undefined>;
  /** Whether the cluster has a live agent session. */
  isConnected(clusterId: string): boolean;
}

/**
 * Picks a cluster for `auto: true`. The scheduler plugs in here; until it
 * does, {@link noAutomaticPlacement} refuses.
 */
export interface ClusterChooser {
  choose(request: {
    /** The enabler's id: capacity the choice promises is held under it. */
    readonly id: string;
    readonly name: string;
    readonly namespace: string;
    readonly policy?: string;
    /** Ours: place on forecast usage; the server default when absent. */
    readonly predictive?: boolean;
    /** What will be deployed; render it per candidate with the ReleaseBuilder to read requests. */
    readonly source: ReleaseSource;
  }): Promise<{
    readonly cluster: TargetCluster;
    /** The decision and its explanation, stored with the enabler. */
    readonly placement: Readonly<Record<string, unknown>>;
  }>;
  /** The enabler was not stored after all: what was held for it goes. */
  abandon?(id: string): void;
}

/** The chooser used until the scheduler lands: `auto: true` gets a 400 naming `auto`. */
export const noAutomaticPlacement: ClusterChooser = {
  choose() {
    const reason = "automatic placement is not available yet; name a cluster and set auto to false";
    return Promise.reject(
      new AppError(ErrorCode.InvalidArgument, `auto: ${reason}`, {
        fields: [{ field: "auto", reason }],
      }),
    );
  },
};

/** Tells the delivery side that a cluster's outbox changed (CommandOutbox.nudge). */
export type OutboxNudge = (clusterId: string) => void;

/** What {@link EnablerService} is built from. */
export interface EnablerServiceDeps {
  readonly records: EnablerRecords;
  readonly revisions: RevisionStore;
  readonly tombstones: TombstoneStore;
  readonly builder: ReleaseBuilder;
  readonly clusters: ClusterDirectory;
  readonly chooser?: ClusterChooser;
  readonly nudge: OutboxNudge;
  /** Wakes waiting DELETEs; shared with the volume service. */
  readonly signals?: SettleSignals;
  readonly now: () => Date;
}

/** Options for {@link EnablerService.delete}. */
export interface DeleteEnablerOptions {
  /** Drop the record at once; the delete stays queued for the cluster. */
  readonly force: boolean;
  /** How long to wait for the agent to finish. */
  readonly waitMs: number;
}

/** A delete's outcome: done (200) or still going (202 Deleting). */
export interface DeleteOutcome {
  readonly done: boolean;
  readonly message: string;
}

/**
 * Deploy, upgrade, delete and read enablers. Requests are validated,
 * resolved and rendered before anything is stored; then the revision is
 * written, then the enabler document with its pending command (the outbox),
 * and the delivery side is nudged. Nothing is sent from here.
 */
export class EnablerService {
  readonly #d: EnablerServiceDeps;
  readonly #signals: SettleSignals;

  constructor(deps: EnablerServiceDeps) {
    this.#d = deps;
    this.#signals = deps.signals ?? new SettleSignals();
  }

  /** `POST /enabler`. */
  async create(input: CreateEnablerInput, receivedAt: Date): Promise<{ uid: string }> {
    const policy = input.placementPolicy ?? input.placement_policy ?? input.PlacementPolicy;
    const source = sourceOf(input.helmChart, input.manifests, input.version, input.values ?? {});
    const id = randomUUID();
    const chosen = input.auto
      ? await this.#choose(id, input, policy)
      : { cluster: await this.#cluster(input.cluster ?? "") };
    try {
      return await this.#create(id, input, policy, source, chosen, receivedAt);
    } catch (err) {
      if (input.auto) this.#d.chooser?.abandon?.(id);
      throw err;
    }
  }

  async #create(
    id: string,
    input: CreateEnablerInput,
    policy: string | undefined,
    source: ReleaseSource,
    chosen: { cluster: TargetCluster; placement?: Readonly<Record<string, unknown>> },
    receivedAt: Date,
  ): Promise<{ uid: string }> {
    const cluster = chosen.cluster;
    const key = releaseKeyOf(cluster.id, input.namespace, input.name);
    if (await this.#d.records.byReleaseKey(key)) {
      throw nameTaken(input.name, input.namespace);
    }
    const built = await this.#d.builder.build(source, {
      cluster,
      name: input.name,
      namespace: input.namespace,
    });
    const timeoutMs = parseGoDuration(input.timeout) ?? 300_000;
    const summary = await this.#writeRevision(id, 1, built);
    const command = this.#command("deploy", timeoutMs, 1);
    try {
      await this.#d.records.create(
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
          createdAt: receivedAt.toISOString(),
        },
        command,
        this.#waitingReason(cluster),
      );
    } catch (err) {
      await this.#d.revisions.discard(id, 1);
      throw err;
    }
    this.#d.nudge(cluster.id);
    return { uid: id };
  }

  /** `POST /enabler/upgrade/:id`: a new revision; given values replace, omitted ones are kept. */
  async upgrade(id: string, input: UpgradeEnablerInput): Promise<EnablerDetailView> {
    const doc = await this.#require(id);
    const cluster = (await this.#d.clusters.find(doc.cluster)) ?? {
      id: doc.cluster,
      name: doc.cluster,
    };
    const next = doc.currentRevision + 1;
    let built: BuiltRelease;
    const changes: { -readonly [K in keyof UpgradeChanges]: UpgradeChanges[K] } = {};
    if (doc.helmChart) {
      if (input.manifests)
        throw fieldError("manifests", "this enabler is a Helm chart; give values or version");
      const values = input.values ?? doc.values;
      const versionSpec = input.version ?? doc.versionSpec;
      built = await this.#d.builder.build(
        { type: "chart", ref: doc.helmChart, ...(versionSpec ? { versionSpec } : {}), values },
        { cluster, name: doc.name, namespace: doc.namespace },
      );
      changes.values = values;
      if (versionSpec) changes.versionSpec = versionSpec;
    } else {
      if (input.values)
        throw fieldError("values", "this enabler is made of manifests; give manifests");
      if (input.version)
        throw fieldError("version", "this enabler is made of manifests; give manifests");
      built = input.manifests
        ? await this.#d.builder.build(sourceOf(undefined, input.manifests, undefined, {}), {
            cluster,
            name: doc.name,
            namespace: doc.namespace,
          })
        : await this.#previous(doc._id, doc.currentRevision);
    }
    if (input.timeout) {
      changes.timeout = input.timeout;
      changes.timeoutMs = parseGoDuration(input.timeout) ?? doc.timeoutMs;
    }
    const timeoutMs = changes.timeoutMs ?? doc.timeoutMs;
    // A revision left by a request that died before recording it is replaced, never applied.
    await this.#d.revisions.discard(id, next);
    const summary = await this.#writeRevision(id, next, built);
    try {
      const updated = await this.#d.records.start(id, this.#command("upgrade", timeoutMs, next), {
        waitingReason: this.#waitingReason(cluster),
        revision: summary,
        changes,
      });
      this.#d.nudge(doc.cluster);
      return toEnablerDetail(updated, cluster.name);
    } catch (err) {
      await this.#d.revisions.discard(id, next);
      throw err;
    }
  }

  /**
   * `DELETE /enabler/:id`. Without `force` it queues the delete and waits
   * up to `waitMs` for the agent; with `force` the record goes at once and
   * the delete stays queued (on the tombstone) for the cluster's next connection.
   */
  async delete(id: string, options: DeleteEnablerOptions): Promise<DeleteOutcome> {
    const doc = await this.#require(id);
    if (options.force) {
      // The revision the cluster holds stays stored until the agent answers: its delete hooks.
      const held = doc.appliedRevision ?? doc.currentRevision;
      const command =
        doc.pending?.operation === "delete"
          ? { ...doc.pending, revision: held }
          : this.#command("delete", doc.timeoutMs, held);
      await this.#d.tombstones.bury(doc, command);
      await this.#d.records.remove(id);
      this.#d.nudge(doc.cluster);
      return {
        done: true,
        message: `enabler ${doc.name} removed; its objects are deleted from the cluster when the agent takes the queued delete`,
      };
    }
    const cluster = (await this.#d.clusters.find(doc.cluster)) ?? {
      id: doc.cluster,
      name: doc.cluster,
    };
    const settled = this.#signals.subscribe(id);
    try {
      await this.#d.records.start(id, this.#command("delete", doc.timeoutMs), {
        waitingReason: this.#waitingReason(cluster),
      });
      this.#d.nudge(doc.cluster);
      return await this.#awaitDelete(id, doc.name, settled, options.waitMs);
    } finally {
      settled.cancel();
    }
  }

  /** Called by the delivery side when an enabler's command has ended. */
  settled(enablerId: string): void {
    this.#signals.settled(enablerId);
  }

  /** `GET /enabler`. */
  async list(): Promise<EnablerView[]> {
    return (await this.#d.records.list()).map((d) => toEnablerView(d));
  }

  /** `GET /enabler/cluster/:cluster`, by cluster id or name. */
  async listForCluster(idOrName: string): Promise<EnablerView[]> {
    const cluster = await this.#d.clusters.find(idOrName);
    if (!cluster) throw new AppError(ErrorCode.NotFound, `cluster ${idOrName} not found`);
    return (await this.#d.records.list({ cluster: cluster.id })).map((d) =>
      toEnablerView(d, cluster.name),
    );
  }

  /** `GET /enabler/:id` of a live enabler. */
  async get(id: string): Promise<EnablerDetailView> {
    const doc = await this.#require(id);
    const cluster = await this.#d.clusters.find(doc.cluster);
    return toEnablerDetail(doc, cluster?.name);
  }

  /** `GET /enabler/:id`: a live enabler, or the tombstone of one deleted in the last 7 days. */
  async getAny(id: string): Promise<EnablerDetailView | DeletedEnablerView> {
    if (await this.#d.records.get(id)) return this.get(id);
    const grave = await this.#d.tombstones.get(id);
    if (!grave) throw new AppError(ErrorCode.NotFound, `enabler ${id} not found`);
    const cluster = await this.#d.clusters.find(grave.cluster);
    return toDeletedView(grave, cluster?.name);
  }

  async #awaitDelete(
    id: string,
    name: string,
    settled: SettleSubscription,
    waitMs: number,
  ): Promise<DeleteOutcome> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const doc = await this.#d.records.get(id);
      if (!doc) return { done: true, message: `enabler ${name} deleted` };
      if (doc.status === "Error" && !doc.pending) {
        throw new AppError(ErrorCode.Unavailable, doc.statusReason);
      }
      const left = deadline - Date.now();
      if (left <= 0) return { done: false, message: `enabler ${name} is being deleted` };
      await nextOrTimeout(settled, left);
    }
  }

  #choose(id: string, input: CreateEnablerInput, policy: string | undefined) {
    return (this.#d.chooser ?? noAutomaticPlacement).choose({
      id,
      ...(input.predictive !== undefined ? { predictive: input.predictive } : {}),
      name: input.name,
      namespace: input.namespace,
      ...(policy ? { policy } : {}),
      source: sourceOf(input.helmChart, input.manifests, input.version, input.values ?? {}),
    });
  }

  async #cluster(idOrName: string): Promise<TargetCluster> {
    const cluster = await this.#d.clusters.find(idOrName);
    if (!cluster) {
      throw new AppError(ErrorCode.NotFound, `cluster ${idOrName} not found`, {
        fields: [{ field: "cluster", reason: "no cluster with this id or name" }],
      });
    }
    return cluster;
  }

  async #require(id: string) {
    const doc = await this.#d.records.get(id);
    if (!doc) throw new AppError(ErrorCode.NotFound, `enabler ${id} not found`);
    return doc;
  }

  async #previous(id: string, revision: number): Promise<BuiltRelease> {
    const gz = await this.#d.revisions.objectsGz(id, revision);
    const doc = await this.#require(id);
    const prev = doc.revisions.find((r) => r.revision === revision);
    if (!gz || !prev)
      throw new AppError(ErrorCode.Internal, `revision ${revision} of ${id} is missing`);
    const renderedBytes = gunzipSync(gz).length;
    return {
      packed: { gz, renderedBytes, objectCount: prev.objectCount },
      valuesDigest: prev.valuesDigest,
      ...(prev.testHooks ? { testHooks: prev.testHooks } : {}),
    };
  }

  async #writeRevision(
    id: string,
    revision: number,
    built: BuiltRelease,
  ): Promise<RevisionSummary> {
    const createdAt = this.#d.now().toISOString();
    const summary: RevisionSummary = {
      revision,
      ...(built.chart ? { chart: built.chart } : {}),
      ...(built.version ? { version: built.version } : {}),
      valuesDigest: built.valuesDigest,
      objectCount: built.packed.objectCount,
      ...(built.testHooks ? { testHooks: built.testHooks } : {}),
      createdAt,
    };
    await this.#d.revisions.write({
      enablerId: id,
      ...summary,
      renderedBytes: built.packed.renderedBytes,
      gz: built.packed.gz,
    });
    return summary;
  }

  #command(
    operation: PendingCommand["operation"],
    timeoutMs: number,
    revision?: number,
  ): PendingCommand {
    return newCommand(
      operation,
      timeoutMs,
      this.#d.now(),
      revision !== undefined ? { revision } : {},
    );
  }

  #waitingReason(cluster: TargetCluster): string | undefined {
    return this.#d.clusters.isConnected(cluster.id)
      ? undefined
      : `waiting for cluster ${cluster.name} to connect`;
  }
}

/** What a create request deploys: a chart with values, or its manifests as YAML. */
export function sourceOf(
  helmChart: string | undefined,
  manifests: string | readonly Record<string, unknown>[] | undefined,
  version: string | null | undefined,
  values: Record<string, unknown>,
): ReleaseSource {
  if (helmChart)
    return { type: "chart", ref: helmChart, ...(version ? { versionSpec: version } : {}), values };
  const yaml =
    typeof manifests === "string"
      ? manifests
      : (manifests ?? []).map((o) => stringify(o)).join("---\n");
  return { type: "manifests", yaml };
}

function fieldError(field: string, reason: string): AppError {
  return new AppError(ErrorCode.InvalidArgument, `${field}: ${reason}`, {
    fields: [{ field, reason }],
  });
}

function nameTaken(name: string, namespace: string): AppError {
  return new AppError(
    ErrorCode.AlreadyExists,
    `an enabler named "${name}" already exists in namespace ${namespace} of this cluster`,
    { fields: [{ field: "name", reason: "already in use in this cluster and namespace" }] },
  );
}
