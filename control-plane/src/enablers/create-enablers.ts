import { join } from "node:path";
import type { CommandResult, Logger, ReleaseStatus } from "@smart-orchestrator/shared";
import { ChartFetcher, type ChartResolver } from "../charts/chart-fetcher.js";
import { HelmRenderer } from "../charts/helm-renderer.js";
import { RendererSet } from "../charts/manifest-renderer.js";
import { RawManifestRenderer } from "../charts/raw-manifest-renderer.js";
import type { Store } from "../store/store.js";
import { ClusterSerial } from "./cluster-serial.js";
import { CommandOutbox, type SessionLookup } from "./command-outbox.js";
import { type EnablerDoc, enablerCollection } from "./enabler-doc.js";
import type { ClusterChooser, ClusterDirectory } from "./enabler-ports.js";
import { EnablerRecords } from "./enabler-records.js";
import { EnablerService } from "./enabler-service.js";
import { ReleaseBuilder } from "./release-builder.js";
import { type ReconcileSummary, ReleaseReconciler } from "./release-reconciler.js";
import { type RevisionDoc, RevisionStore, revisionCollectionName } from "./revision-store.js";
import { SettleSignals } from "./settle-signals.js";
import { type TombstoneDoc, TombstoneStore, tombstoneCollection } from "./tombstone-store.js";
import { VolumeService } from "./volume-service.js";

/** What the enablers module needs from the composition root. */
export interface CreateEnablersOptions {
  readonly store: Store;
  readonly resolver: ChartResolver;
  readonly clusters: ClusterDirectory;
  readonly sessions: SessionLookup;
  readonly dataDir: string;
  readonly helmBin: string | undefined;
  readonly now: () => Date;
  readonly log: Logger;
  readonly chooser?: ClusterChooser;
  readonly maxRenderedBytes?: number;
  /** Also told when an enabler's command ends (placement lets its capacity hold go then). */
  readonly onSettled?: (enablerId: string) => void;
}

/** The enablers module: the REST-facing service, the outbox the hub feeds, and the records. */
export interface Enablers {
  readonly service: EnablerService;
  /** `DELETE /enabler/volumes/:id`. */
  readonly volumes: VolumeService;
  /** Reconciles each cluster's ReleaseStatus with the records. */
  readonly reconciler: ReleaseReconciler;
  /**
   * What the hub hands over from an agent, handled per cluster in the order
   * the agent sent it: command results and ReleaseStatus.
   */
  readonly fromAgent: {
    result(clusterId: string, result: CommandResult): Promise<void>;
    releaseStatus(clusterId: string, status: ReleaseStatus): Promise<ReconcileSummary>;
  };
  readonly outbox: CommandOutbox;
  readonly records: EnablerRecords;
  readonly tombstones: TombstoneStore;
  /** Validates, resolves and renders releases (placement renders with it too). */
  readonly builder: ReleaseBuilder;
  /** What deleting a cluster needs: its enablers counted, then dropped with every queued command. */
  readonly ofCluster: {
    countFor(clusterId: string): Promise<number>;
    removeForCluster(clusterId: string): Promise<number>;
  };
  /** Start-up sweep (resumes commands in flight), then tombstone expiry every hour. */
  start(): void;
  stop(): void;
}

/** Opens the enabler collections and builds the service and the outbox. */
export async function createEnablers(o: CreateEnablersOptions): Promise<Enablers> {
  const records = new EnablerRecords(
    await o.store.collection<EnablerDoc>(enablerCollection.name, enablerCollection.options),
    o.now,
  );
  const revisions = new RevisionStore(
    await o.store.collection<RevisionDoc>(revisionCollectionName),
  );
  const tombstones = new TombstoneStore(
    await o.store.collection<TombstoneDoc>(tombstoneCollection.name, tombstoneCollection.options),
    o.now,
  );
  const renderer = new RendererSet([
    new HelmRenderer({
      ...(o.helmBin ? { helmBin: o.helmBin } : {}),
      workDir: join(o.dataDir, "tmp"),
    }),
    new RawManifestRenderer(),
  ]);
  const builder = new ReleaseBuilder({
    charts: new ChartFetcher({ resolver: o.resolver, cacheDir: join(o.dataDir, "charts") }),
    renderer,
    ...(o.maxRenderedBytes ? { maxRenderedBytes: o.maxRenderedBytes } : {}),
  });
  // The outbox wakes waiting requests through the signals; requests nudge the outbox.
  const outbox = new CommandOutbox({
    now: o.now,
    enablers: records,
    revisions,
    tombstones,
    sessions: o.sessions,
    log: o.log.child({ component: "outbox" }),
    onSettled: (id) => {
      signals.settled(id);
      o.onSettled?.(id);
    },
  });
  const signals = new SettleSignals();
  const nudge = (clusterId: string) => void outbox.nudge(clusterId);
  const service = new EnablerService({
    records,
    revisions,
    tombstones,
    builder,
    clusters: o.clusters,
    ...(o.chooser ? { chooser: o.chooser } : {}),
    nudge,
    signals,
    now: o.now,
  });
  const volumes = new VolumeService({
    records,
    tombstones,
    clusters: o.clusters,
    nudge,
    signals,
    now: o.now,
  });
  const reconciler = new ReleaseReconciler({
    enablers: records,
    tombstones,
    nudge,
    now: o.now,
    log: o.log.child({ component: "reconcile" }),
  });
  const log = o.log.child({ component: "enablers" });
  let timer: NodeJS.Timeout | undefined;
  const expire = () =>
    void tombstones.expire().catch((err: unknown) => log.error({ err }, "tombstone expiry failed"));
  const serial = new ClusterSerial();
  return {
    service,
    volumes,
    reconciler,
    fromAgent: {
      result: (clusterId, result) => serial.run(clusterId, () => outbox.result(clusterId, result)),
      releaseStatus: (clusterId, status) =>
        serial.run(clusterId, () => reconciler.reconcile(clusterId, status)),
    },
    outbox,
    records,
    tombstones,
    builder,
    ofCluster: {
      countFor: (clusterId) => records.countFor(clusterId),
      async removeForCluster(clusterId) {
        // Revisions kept for queued deletes' hooks go with the queued deletes.
        for (const id of await tombstones.dropQueuedFor(clusterId)) await revisions.removeAll(id);
        return records.removeForCluster(clusterId);
      },
    },
    start() {
      outbox.sweep().catch((err: unknown) => log.error({ err }, "start-up sweep failed"));
      expire();
      timer = setInterval(expire, 3_600_000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
