import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { createEnabler } from "./enabler-create.js";
import { type DeleteEnablerOptions, type DeleteOutcome, deleteEnabler } from "./enabler-delete.js";
import { enablerNotFound } from "./enabler-errors.js";
import type { ClusterChooser, ClusterDirectory, OutboxNudge } from "./enabler-ports.js";
import type { EnablerRecords } from "./enabler-records.js";
import type {
  CreateEnablerInput,
  DeletedEnablerView,
  EnablerDetailView,
  EnablerView,
  UpgradeEnablerInput,
} from "./enabler-schemas.js";
import { upgradeEnabler } from "./enabler-upgrade.js";
import { toDeletedView, toEnablerDetail, toEnablerView } from "./enabler-views.js";
import type { ReleaseBuilder } from "./release-builder.js";
import type { RevisionStore } from "./revision-store.js";
import { SettleSignals } from "./settle-signals.js";
import type { TombstoneStore } from "./tombstone-store.js";

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

/**
 * Deploy, upgrade, delete and read enablers: what the REST routes call.
 * Requests are validated, resolved and rendered before anything is stored;
 * then the revision is written, then the enabler document with its pending
 * command (the outbox), and the delivery side is nudged. Nothing is sent
 * from here. Each write flow lives in its own module (enabler-create,
 * enabler-upgrade, enabler-delete); this class holds their dependencies and
 * the reads.
 */
export class EnablerService {
  readonly #d: EnablerServiceDeps & { readonly signals: SettleSignals };

  constructor(deps: EnablerServiceDeps) {
    this.#d = { ...deps, signals: deps.signals ?? new SettleSignals() };
  }

  /** `POST /enabler`. */
  create(input: CreateEnablerInput, receivedAt: Date): Promise<{ uid: string }> {
    return createEnabler(this.#d, input, receivedAt);
  }

  /** `POST /enabler/upgrade/:id`: a new revision; given values replace, omitted ones are kept. */
  upgrade(id: string, input: UpgradeEnablerInput): Promise<EnablerDetailView> {
    return upgradeEnabler(this.#d, id, input);
  }

  /** `DELETE /enabler/:id`: see {@link deleteEnabler}. */
  delete(id: string, options: DeleteEnablerOptions): Promise<DeleteOutcome> {
    return deleteEnabler(this.#d, id, options);
  }

  /** Called by the delivery side when an enabler's command has ended. */
  settled(enablerId: string): void {
    this.#d.signals.settled(enablerId);
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
    const doc = await this.#d.records.require(id);
    const cluster = await this.#d.clusters.find(doc.cluster);
    return toEnablerDetail(doc, cluster?.name);
  }

  /** `GET /enabler/:id`: a live enabler, or the tombstone of one deleted in the last 7 days. */
  async getAny(id: string): Promise<EnablerDetailView | DeletedEnablerView> {
    if (await this.#d.records.get(id)) return this.get(id);
    const grave = await this.#d.tombstones.get(id);
    if (!grave) throw enablerNotFound(id);
    const cluster = await this.#d.clusters.find(grave.cluster);
    return toDeletedView(grave, cluster?.name);
  }
}
