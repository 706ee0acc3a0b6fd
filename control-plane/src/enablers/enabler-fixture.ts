import {
  type Apply,
  type CommandResult,
  createLogger,
  type HubMessage,
  ObjectAction,
} from "@smart-orchestrator/shared";
import type { FetchedChart } from "../charts/chart-fetcher.js";
import type {
  ManifestRenderer,
  RenderedObject,
  RenderRequest,
} from "../charts/manifest-renderer.js";
import { RendererSet } from "../charts/manifest-renderer.js";
import { RawManifestRenderer } from "../charts/raw-manifest-renderer.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { type CommandChannel, CommandOutbox } from "./command-outbox.js";
import { type EnablerDoc, enablerCollection } from "./enabler-doc.js";
import { EnablerRecords } from "./enabler-records.js";
import type { CreateEnablerInput } from "./enabler-schemas.js";
import { EnablerService } from "./enabler-service.js";
import { ReleaseBuilder, type TargetCluster } from "./release-builder.js";
import { ReleaseReconciler } from "./release-reconciler.js";
import {
  type RevisionDoc,
  RevisionStore,
  revisionCollectionName,
  unpackObjects,
} from "./revision-store.js";
import { SettleSignals } from "./settle-signals.js";
import { type TombstoneDoc, TombstoneStore, tombstoneCollection } from "./tombstone-store.js";
import { VolumeService } from "./volume-service.js";

/** A fake agent session that records what the outbox sends. */
export class RecordingSession implements CommandChannel {
  readonly sent: HubMessage[] = [];
  ended = false;
  #waiters: Array<() => void> = [];

  constructor(readonly clusterId: string) {}

  send(message: HubMessage): boolean {
    if (this.ended) return false;
    this.sent.push(message);
    for (const w of this.#waiters.splice(0)) w();
    return true;
  }

  /** The commands sent, decoded. */
  commands() {
    return this.sent.flatMap((m) => (m.body?.$case === "command" ? [m.body.value] : []));
  }

  /** Resolves once `n` commands have been sent. */
  async waitFor(n: number) {
    while (this.commands().length < n) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.commands();
  }
}

/** A chart fetcher and renderer pair standing in for Helm in unit tests. */
export const fakeChart: FetchedChart = {
  ref: "demo/web",
  version: "1.2.0",
  digest: "d".repeat(64),
  archivePath: "/nonexistent/web-1.2.0.tgz",
  metadata: { apiVersion: "v2", name: "web", version: "1.2.0", kubeVersion: ">=1.25.0-0" },
  defaults: { replicas: 1 },
  schema: { type: "object", properties: { replicas: { type: "integer", minimum: 1 } } },
};

const chartRenderer: ManifestRenderer = {
  sourceType: "chart",
  async render(request: RenderRequest): Promise<RenderedObject[]> {
    const values = request.source.type === "chart" ? request.source.values : {};
    const cm = (name: string) => ({
      object: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name },
        data: { v: JSON.stringify(values) },
      },
      hooks: [],
      hookWeight: 0,
      hookDeletePolicies: [],
    });
    const test = { ...cm(`${request.releaseName}-test`), hooks: ["test"] };
    return values.extra
      ? [cm(request.releaseName), cm(`${request.releaseName}-extra`), test]
      : [cm(request.releaseName), test];
  },
};

/** Two ConfigMaps, `a` and `b`, as the YAML of a manifests enabler. */
export const twoConfigMaps = `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
`;

/** A create request for `web` in `default` on cluster c1, made of {@link twoConfigMaps}; `extra` overrides. */
export function createBody(extra: Partial<CreateEnablerInput> = {}): CreateEnablerInput {
  return {
    name: "web",
    cluster: "c1",
    manifests: twoConfigMaps,
    timeout: "5m0s",
    auto: false,
    namespace: "default",
    ...extra,
  };
}

/** {@link enablerFixture} over a fresh in-memory SQLite store. */
export async function memoryFixture(options: { maxRenderedBytes?: number } = {}) {
  const store = SqliteStore.open(":memory:");
  return { store, ...(await enablerFixture(store, options)) };
}

/** Everything the enabler unit tests drive: a service, an outbox and fake sessions. */
export async function enablerFixture(store: Store, options: { maxRenderedBytes?: number } = {}) {
  const log = createLogger({ name: "t", level: "silent" });
  let clock = Date.parse("2026-03-01T00:00:00Z");
  const now = () => new Date(clock);
  const records = new EnablerRecords(
    await store.collection<EnablerDoc>(enablerCollection.name, enablerCollection.options),
    now,
  );
  const revisions = new RevisionStore(await store.collection<RevisionDoc>(revisionCollectionName));
  const tombstones = new TombstoneStore(
    await store.collection<TombstoneDoc>(tombstoneCollection.name, tombstoneCollection.options),
    now,
  );
  const sessions = new Map<string, RecordingSession>();
  const clusters = new Map<string, TargetCluster>([
    ["c1", { id: "c1", name: "edge-1", kubernetesVersion: "v1.31.4+k3s1" }],
    ["c2", { id: "c2", name: "old", kubernetesVersion: "v1.20.0" }],
  ]);
  const fetches: Array<{ ref: string; version?: string }> = [];
  const builder = new ReleaseBuilder({
    charts: {
      async fetch(ref, version) {
        fetches.push({ ref, ...(version ? { version } : {}) });
        return { ...fakeChart, version: version === "^1.3" ? "1.3.1" : fakeChart.version };
      },
    },
    renderer: new RendererSet([chartRenderer, new RawManifestRenderer()]),
    ...(options.maxRenderedBytes ? { maxRenderedBytes: options.maxRenderedBytes } : {}),
  });
  const outbox = new CommandOutbox({
    now,
    enablers: records,
    revisions,
    tombstones,
    sessions: { get: (id) => sessions.get(id) },
    log,
    onSettled: (id) => signals.settled(id),
  });
  const nudges: Promise<void>[] = [];
  const signals = new SettleSignals();
  const directory = {
    async find(idOrName: string) {
      return clusters.get(idOrName) ?? [...clusters.values()].find((c) => c.name === idOrName);
    },
    isConnected: (id: string) => sessions.has(id),
  };
  const nudge = (id: string) => void nudges.push(outbox.nudge(id));
  const reconciler = new ReleaseReconciler({ enablers: records, tombstones, nudge, now, log });
  const volumes = new VolumeService({
    records,
    tombstones,
    clusters: directory,
    nudge,
    signals,
    now,
  });
  const service = new EnablerService({
    records,
    revisions,
    tombstones,
    builder,
    clusters: directory,
    nudge,
    signals,
    now,
  });
  return {
    service,
    reconciler,
    volumes,
    outbox,
    records,
    revisions,
    tombstones,
    fetches,
    /** Connects a fake session for a cluster and tells the outbox, as the hub does. */
    async connect(clusterId: string) {
      const s = new RecordingSession(clusterId);
      sessions.set(clusterId, s);
      await outbox.sessionStarted(s);
      return s;
    },
    disconnect(clusterId: string) {
      const s = sessions.get(clusterId);
      if (s) s.ended = true;
      sessions.delete(clusterId);
    },
    /** Waits for every delivery the service has asked for so far. */
    async delivered() {
      await Promise.all(nudges.splice(0));
    },
    tick(ms: number) {
      clock += ms;
    },
  };
}

/** The objects an Apply carries. */
export function objectsOf(apply: Apply) {
  return unpackObjects(Buffer.from(apply.objects));
}

/** A successful result for a command, listing each object as created and ready. */
export function okResult(commandId: string, revision: number, names: string[]): CommandResult {
  return {
    commandId,
    ok: true,
    message: "",
    revision,
    objects: names.map((name) => ({
      group: "",
      kind: "ConfigMap",
      namespace: "default",
      name,
      action: ObjectAction.OBJECT_ACTION_CREATED,
      ready: true,
      message: "",
    })),
    failure: 0,
    appliedRevision: revision,
  };
}
