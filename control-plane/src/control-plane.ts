import { join } from "node:path";
import type { Logger, ReleaseStatus, Timers } from "@smart-orchestrator/shared";
import { collectDefaultMetrics, Registry } from "prom-client";
import { defaultAgentCommand } from "./clusters/agent-command.js";
import { AgentPidFile } from "./clusters/agent-pid-file.js";
import { type ClusterDoc, clusterCollection } from "./clusters/cluster-doc.js";
import { ClusterRecords } from "./clusters/cluster-records.js";
import { ClusterService } from "./clusters/cluster-service.js";
import { hubAddressFrom, type JoinEndpoint } from "./clusters/join-command.js";
import { ManagedAgents } from "./clusters/managed-agents.js";
import { type ControlPlaneConfig, defaultPublicUrl } from "./config.js";
import { createEnablers, type Enablers } from "./enablers/create-enablers.js";
import { unpackObjects } from "./enablers/revision-store.js";
import { type HistoryDayDoc, historyCollectionName } from "./history/history-doc.js";
import { HistoryStore } from "./history/history-store.js";
import { UsageHistory } from "./history/usage-history.js";
import { defaultHubTimings, type HubTimings } from "./hub/hub-timings.js";
import type { SessionRegistry } from "./hub/session-registry.js";
import { startAgentHub } from "./hub/start-agent-hub.js";
import type { CaDoc } from "./hub/tls/hub-ca.js";
import { type InstallScript, loadInstallScript } from "./install/install-script.js";
import { explainListenError } from "./net/listen-error.js";
import { createPlacement, type Placement } from "./placement/create-placement.js";
import { createRepoService } from "./repos/create-repo-service.js";
import { loadAdminAuth, noAuth, type SettingDoc } from "./rest/auth.js";
import { createHttpApp } from "./rest/http-app.js";
import { createHttpMetrics } from "./rest/http-metrics.js";
import { startHttpServer } from "./rest/http-server.js";
import { buildOpenApi } from "./rest/openapi.js";
import type { AnyRoute } from "./rest/route.js";
import { clusterRoutes } from "./rest/routes/cluster-routes.js";
import { enablerRoutes } from "./rest/routes/enabler-routes.js";
import { historyRoutes } from "./rest/routes/history-routes.js";
import { installRoutes } from "./rest/routes/install-routes.js";
import { placementRoutes } from "./rest/routes/placement-routes.js";
import { repoRoutes } from "./rest/routes/repo-routes.js";
import { systemRoutes } from "./rest/routes/system-routes.js";
import { loadMasterKey } from "./security/master-key.js";
import { SecretBox } from "./security/secret-box.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";

/** What the control plane is built from; main.ts makes these. */
export interface ControlPlaneDeps {
  readonly config: Readonly<ControlPlaneConfig>;
  readonly log: Logger;
  /** Injected clock; tests move time without sleeping. */
  readonly now?: () => Date;
  /** An already opened store; opened from config when absent. */
  readonly store?: Store;
  /** Link intervals; tests shorten them. */
  readonly hubTimings?: HubTimings;
  /** Clock and timers of the hub's deadlines and restart sweep; tests pass FakeTimers. */
  readonly hubTimers?: Timers;
}

/** A running control plane. */
export interface ControlPlane {
  /** The REST port actually bound (differs from config when it was 0). */
  readonly httpPort: number;
  /** The agent hub port actually bound. */
  readonly grpcPort: number;
  /** Base URL join commands use: `SO_PUBLIC_URL`, or {@link defaultPublicUrl} on the bound port. */
  readonly publicUrl: string;
  /** `sha256:<hex>` agents pin with `--ca-hash`; undefined when the hub runs without TLS. */
  readonly caHash: string | undefined;
  /** Live agent sessions, one per connected cluster. */
  readonly sessions: SessionRegistry;
  /** Agent processes run for clusters registered with credentials. */
  readonly managedAgents: ManagedAgents;
  /** The admin token generated on this start, if any; shown once. */
  readonly generatedAdminToken: string | undefined;
  /** Stops accepting, lets in-flight requests finish, closes the store. */
  close(): Promise<void>;
}

/** Builds and starts the control plane: store, services, REST API. */
export async function createControlPlane(deps: ControlPlaneDeps): Promise<ControlPlane> {
  const { config, log } = deps;
  const now = deps.now ?? (() => new Date());
  const store = deps.store ?? (await openStore(config));
  try {
    const { key, created } = loadMasterKey(config);
    if (created)
      log.warn(
        { dataDir: config.dataDir },
        "created a new master key file beside the store; back it up",
      );
    const secrets = new SecretBox(key);

    const clustersColl = await store.collection<ClusterDoc>(
      clusterCollection.name,
      clusterCollection.options,
    );
    const clusterRecords = new ClusterRecords(clustersColl);
    const settings = await store.collection<SettingDoc>("settings");
    const repos = await createRepoService({
      store,
      secrets,
      now,
      log,
      dataDir: config.dataDir,
      allowLinkLocal: config.repoAllowLinkLocal,
    });
    if (config.repoAllowLinkLocal) {
      log.warn(
        "SO_REPO_ALLOW_LINK_LOCAL=true: Helm repositories may point at link-local and cloud metadata addresses",
      );
    }

    const admin =
      config.auth === "none"
        ? { verifier: noAuth, generatedToken: undefined }
        : await loadAdminAuth(config.adminToken, settings);
    if (config.auth === "none") {
      log.warn(
        "SO_AUTH=none: the REST API accepts requests without a token; use only for legacy clients",
      );
    }

    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "so_" });
    // Placement is built once the hub and the enablers exist; until then nothing reaches it.
    let placement: Placement | undefined;
    const history = new UsageHistory({
      store: new HistoryStore(await store.collection<HistoryDayDoc>(historyCollectionName)),
      now,
      log: log.child({ component: "history" }),
      onPointStored: (id) => placement?.pointStored(id),
    });
    history.start();
    let enablers: Enablers | undefined;
    // A session can start before the enablers are built: its ReleaseStatus waits for them.
    const earlyStatuses = new Map<string, ReleaseStatus>();
    const reconcile = (id: string, status: ReleaseStatus) => {
      if (!enablers) {
        earlyStatuses.set(id, status);
        return;
      }
      enablers.fromAgent
        .releaseStatus(id, status)
        .catch((err: unknown) => log.error({ err, clusterId: id }, "could not reconcile releases"));
    };
    const outboxFailed = (err: unknown) => log.error({ err }, "could not record a command result");
    const hub = await startAgentHub({
      tlsSource: config,
      host: config.host,
      port: config.grpcPort,
      limits: {
        handshakeTimeoutMs: config.hubHandshakeTimeoutMs,
        firstFrameTimeoutMs: config.hubFirstFrameTimeoutMs,
        helloTimeoutMs: config.hubHelloTimeoutMs,
        maxConnections: config.hubMaxConnections,
        maxConnectionsPerSource: config.hubMaxConnectionsPerSource,
      },
      clusters: clusterRecords,
      caStore: await store.collection<CaDoc>("settings"),
      secrets,
      timings: deps.hubTimings ?? defaultHubTimings,
      ...(deps.hubTimers ? { timers: deps.hubTimers } : {}),
      registry,
      now,
      log,
      onReport: (id, report, at) => {
        history.record(id, report, at);
        placement?.reported(id, at);
      },
      // The enablers are built once the hub's sessions exist; the start-up sweep covers
      // sessions that start before then.
      onSessionStart: (session) => void enablers?.outbox.sessionStarted(session),
      onCommandResult: (id, result) =>
        void enablers?.fromAgent.result(id, result).catch(outboxFailed),
      onCommandProgress: (id, progress) =>
        void enablers?.outbox.progress(id, progress).catch(outboxFailed),
      // What the cluster holds, compared with the records; differences are queued as commands.
      onReleaseStatus: reconcile,
    }).catch((err: unknown) => {
      throw explainListenError(err, {
        setting: "SO_GRPC_PORT (--grpc-port)",
        host: config.host,
        port: config.grpcPort,
      });
    });
    const { sessions, inventory } = hub;
    enablers = await createEnablers({
      store,
      resolver: repos,
      clusters: {
        async find(idOrName) {
          const c = await clusterRecords.findByIdOrName(idOrName);
          return c
            ? {
                id: c._id,
                name: c.name,
                ...(c.kubernetesVersion ? { kubernetesVersion: c.kubernetesVersion } : {}),
              }
            : undefined;
        },
        isConnected: (id) => sessions.has(id),
      },
      sessions,
      dataDir: config.dataDir,
      helmBin: config.helmBin,
      now,
      log,
      chooser: {
        choose: (request) => (placement as Placement).chooser.choose(request),
        abandon: (id) => placement?.chooser.abandon?.(id),
      },
      onSettled: (id) => placement?.settled(id),
    });
    for (const [id, status] of earlyStatuses) reconcile(id, status);
    earlyStatuses.clear();
    const builder = enablers.builder;
    placement = createPlacement({
      config,
      history,
      fleet: {
        list: async () =>
          (await clusterRecords.list()).map((c) => ({
            id: c._id,
            name: c.name,
            cloud: c.cloud,
            ...(c.kubernetesVersion ? { kubernetesVersion: c.kubernetesVersion } : {}),
          })),
        isConnected: (id) => sessions.has(id),
        nodes: (id) => inventory.snapshot(id)?.report.nodes,
        rxBytesPerSecond: (id) => history.latest(id)?.rxBytesPerSecond ?? null,
      },
      // Default capabilities: the chosen cluster's version is used when the service renders again.
      render: async (source, name, namespace) =>
        unpackObjects(
          (await builder.build(source, { cluster: { id: "", name: "placement" }, name, namespace }))
            .packed.gz,
        ),
      now,
      log,
    });

    // Without SO_PUBLIC_URL the URL needs the REST port, known once listening;
    // no request can ask for a join command before that.
    let publicUrl = config.publicUrl ?? defaultPublicUrl(config.host, config.port);
    // The served installer carries the public URL (host mode downloads from it).
    let installScript: InstallScript | undefined;
    const script = () => {
      installScript ??= loadInstallScript({ publicUrl });
      return installScript;
    };
    const endpoint: JoinEndpoint = {
      get publicUrl() {
        return publicUrl;
      },
      get hubAddress() {
        return hubAddressFrom(publicUrl, hub.port);
      },
      caHash: () => hub.caHash,
      scriptSha256: () => script().sha256,
    };
    const agentCommand = config.agentCommand
      ? { command: [...config.agentCommand] }
      : defaultAgentCommand();
    if (agentCommand.reason)
      log.warn(`credential clusters run the agent from source through tsx: ${agentCommand.reason}`);
    const managed = new ManagedAgents({
      clusters: clusterRecords,
      secrets,
      command: agentCommand.command,
      pidFile: new AgentPidFile(join(config.dataDir, "managed-agents.pid"), log),
      hubAddress: () => `localhost:${hub.port}`,
      caHash: () => hub.caHash,
      log: log.child({ component: "managed-agents" }),
      logLevel: config.logLevel,
      now,
      allowHttpClusters: config.allowHttpClusters,
      namespace: config.managedNamespace,
    });
    const clusters = new ClusterService({
      clusters: clusterRecords,
      enablers: enablers.ofCluster,
      secrets,
      endpoint,
      now,
      allowHttpClusters: config.allowHttpClusters,
      live: (id) => ({
        connected: sessions.has(id),
        lastReportAt: inventory.snapshot(id)?.receivedAt.toISOString(),
        latest: history.latest(id),
        host: inventory.hostView(id),
      }),
      onCreated: ({ id, hasCredentials }) => {
        if (hasCredentials) managed.ensure(id);
      },
      onDeleted: (id) => {
        managed.stop(id);
        hub.evict(id, "the cluster was deleted");
        history.forget(id);
        placement?.forget(id);
      },
    });

    const routes: AnyRoute[] = [];
    routes.push(
      ...systemRoutes({ store, registry, openApi: () => buildOpenApi(routes) }),
      ...clusterRoutes({ clusters, liveNodes: inventory }),
      ...repoRoutes({ repos }),
      ...historyRoutes({ clusters, history, now }),
      ...placementRoutes({ preview: (input) => (placement as Placement).preview(input) }),
      ...enablerRoutes({ enablers: enablers.service, volumes: enablers.volumes, now }),
      ...installRoutes({ script }),
    );
    const app = createHttpApp({
      routes,
      auth: admin.verifier,
      log,
      bodyLimit: config.bodyLimit,
      metrics: createHttpMetrics(registry),
    });

    // Before serving, so that a stray agent host of an earlier run is ended first.
    await managed.startAll();
    const http = await startHttpServer(app.callback(), {
      host: config.host,
      port: config.port,
      limits: {
        headersTimeoutMs: config.restHeadersTimeoutMs,
        requestTimeoutMs: config.restRequestTimeoutMs,
        keepAliveTimeoutMs: config.restKeepAliveTimeoutMs,
        maxConnections: config.restMaxConnections,
      },
      log,
    }).catch(async (err: unknown) => {
      await managed.close();
      await hub.close();
      throw explainListenError(err, {
        setting: "SO_PORT (--port)",
        host: config.host,
        port: config.port,
      });
    });
    log.info({ port: http.port, store: store.kind }, "REST API listening");
    if (config.publicUrl === undefined) {
      publicUrl = defaultPublicUrl(config.host, http.port);
      log.warn(
        { publicUrl },
        `SO_PUBLIC_URL is not set: join commands use ${publicUrl}; set it to the URL agents and operators reach this control plane on`,
      );
      installScript = undefined;
    }
    enablers.start();

    return {
      httpPort: http.port,
      grpcPort: hub.port,
      publicUrl,
      caHash: hub.caHash,
      sessions,
      generatedAdminToken: admin.generatedToken,
      managedAgents: managed,
      async close() {
        enablers?.stop();
        await managed.close();
        await Promise.all([http.close(), hub.close()]);
        // Closed buckets still queued are written; the open ones are dropped, by design.
        await history.stop();
        await store.close();
        log.info("control plane stopped");
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
