import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { status } from "@grpc/grpc-js";
import type { Logger } from "@smart-orchestrator/shared";
import { collectDefaultMetrics, Registry } from "prom-client";
import { defaultAgentCommand } from "./clusters/agent-command.js";
import { type ClusterDoc, clusterCollection } from "./clusters/cluster-doc.js";
import { ClusterService } from "./clusters/cluster-service.js";
import { hubAddressFrom, type JoinEndpoint } from "./clusters/join-command.js";
import { ManagedAgents } from "./clusters/managed-agents.js";
import type { ControlPlaneConfig } from "./config.js";
import { type EnablerRef, enablerCollectionName } from "./enablers/enabler-doc.js";
import { type HistoryDayDoc, historyCollectionName } from "./history/history-doc.js";
import { HistoryStore } from "./history/history-store.js";
import { UsageHistory } from "./history/usage-history.js";
import { AgentAuthenticator } from "./hub/agent-auth.js";
import { ClusterPresence } from "./hub/cluster-presence.js";
import { createHubMetrics } from "./hub/hub-metrics.js";
import { type HubServer, startHubServer } from "./hub/hub-server.js";
import { defaultHubTimings, type HubTimings } from "./hub/hub-timings.js";
import { LiveInventory } from "./hub/live-inventory.js";
import { SessionRegistry } from "./hub/session-registry.js";
import type { CaDoc } from "./hub/tls/hub-ca.js";
import { resolveHubTls } from "./hub/tls/hub-tls.js";
import { createRepoService } from "./repos/create-repo-service.js";
import { loadAdminAuth, noAuth, type SettingDoc } from "./rest/auth.js";
import { createHttpApp } from "./rest/http-app.js";
import { createHttpMetrics } from "./rest/http-metrics.js";
import { buildOpenApi } from "./rest/openapi.js";
import type { AnyRoute } from "./rest/route.js";
import { clusterRoutes } from "./rest/routes/cluster-routes.js";
import { historyRoutes } from "./rest/routes/history-routes.js";
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
}

/** A running control plane. */
export interface ControlPlane {
  /** The REST port actually bound (differs from config when it was 0). */
  readonly httpPort: number;
  /** The agent hub port actually bound. */
  readonly grpcPort: number;
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
    const enablers = await store.collection<EnablerRef>(enablerCollectionName);
    const settings = await store.collection<SettingDoc>("settings");
    const repos = await createRepoService({ store, secrets, now, log, dataDir: config.dataDir });

    const admin =
      config.auth === "none"
        ? { verifier: noAuth, generatedToken: undefined }
        : await loadAdminAuth(config.adminToken, settings);
    if (config.auth === "none") {
      log.warn(
        "SO_AUTH=none: the REST API accepts requests without a token; use only for legacy clients",
      );
    }

    const hubTls = await resolveHubTls(config, await store.collection<CaDoc>("settings"), secrets);
    if (hubTls.caHash)
      log.info({ caHash: hubTls.caHash }, "agent hub CA (agents pin it with --ca-hash)");
    else log.warn("SO_INSECURE: the agent hub serves plaintext gRPC; agents must use --insecure");

    const timings = deps.hubTimings ?? defaultHubTimings;
    const sessions = new SessionRegistry();
    const inventory = new LiveInventory();
    const history = new UsageHistory({
      store: new HistoryStore(await store.collection<HistoryDayDoc>(historyCollectionName)),
      now,
      log: log.child({ component: "history" }),
    });
    history.start();
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "so_" });
    const hubMetrics = createHubMetrics(registry, sessions);
    const presence = new ClusterPresence(clustersColl, now, log);
    let stopping = false;
    const hub: HubServer = await startHubServer(
      {
        auth: new AgentAuthenticator({ clusters: clustersColl, now }),
        registry: sessions,
        presence,
        inventory,
        timings,
        log: log.child({ component: "hub" }),
        now,
        isStopping: () => stopping,
        onReport: (id, report, at) => history.record(id, report, at),
        onReportHandled: hubMetrics.reportHandled,
      },
      { host: config.host, port: config.grpcPort, tls: hubTls.tls, log },
    );
    const sweep = setTimeout(() => {
      presence
        .sweep((id) => sessions.has(id))
        .catch((err: unknown) => log.error({ err }, "presence sweep failed"));
    }, timings.readDeadlineMs);
    sweep.unref();

    const endpoint: JoinEndpoint = {
      publicUrl: config.publicUrl,
      hubAddress: hubAddressFrom(
        config.publicUrl,
        config.grpcPort === 0 ? hub.port : config.grpcPort,
      ),
      caHash: () => hubTls.caHash,
    };
    const managed = new ManagedAgents({
      clusters: clustersColl,
      secrets,
      command: config.agentCommand ?? defaultAgentCommand(),
      hubAddress: () => `localhost:${hub.port}`,
      caHash: () => hubTls.caHash,
      log: log.child({ component: "managed-agents" }),
      logLevel: config.logLevel,
      now,
    });
    const clusters = new ClusterService({
      clusters: clustersColl,
      enablers,
      secrets,
      endpoint,
      now,
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
        sessions
          .get(id)
          ?.fail({ code: status.PERMISSION_DENIED, details: "the cluster was deleted" });
        inventory.forget(id);
        history.forget(id);
      },
    });

    const routes: AnyRoute[] = [];
    routes.push(
      ...systemRoutes({ store, registry, openApi: () => buildOpenApi(routes) }),
      ...clusterRoutes({ clusters, liveNodes: inventory }),
      ...repoRoutes({ repos }),
      ...historyRoutes({ clusters, history, now }),
    );
    const app = createHttpApp({
      routes,
      auth: admin.verifier,
      log,
      bodyLimit: config.bodyLimit,
      metrics: createHttpMetrics(registry),
    });

    const server = createServer(app.callback());
    server.requestTimeout = 60_000;
    const httpPort = await listen(server, config.port, config.host);
    log.info({ port: httpPort, store: store.kind }, "REST API listening");
    await managed.startAll();

    return {
      httpPort,
      grpcPort: hub.port,
      caHash: hubTls.caHash,
      sessions,
      generatedAdminToken: admin.generatedToken,
      managedAgents: managed,
      async close() {
        stopping = true;
        clearTimeout(sweep);
        await managed.close();
        // Ending streams with UNAVAILABLE tells agents to redial (with backoff) at once.
        for (const s of sessions.all())
          s.fail({ code: status.UNAVAILABLE, details: "the hub is shutting down" });
        await Promise.all([closeServer(server), hub.close()]);
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

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, waits for in-flight requests, then drops idle keep-alive sockets. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
