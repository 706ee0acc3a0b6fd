import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@smart-orchestrator/shared";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type ClusterDoc, clusterCollection } from "./clusters/cluster-doc.js";
import { ClusterService } from "./clusters/cluster-service.js";
import { hubAddressFrom, type JoinEndpoint } from "./clusters/join-command.js";
import { noLiveNodes } from "./clusters/live-nodes.js";
import type { ControlPlaneConfig } from "./config.js";
import { type EnablerRef, enablerCollectionName } from "./enablers/enabler-doc.js";
import { loadAdminAuth, noAuth, type SettingDoc } from "./rest/auth.js";
import { createHttpApp } from "./rest/http-app.js";
import { createHttpMetrics } from "./rest/http-metrics.js";
import { buildOpenApi } from "./rest/openapi.js";
import type { AnyRoute } from "./rest/route.js";
import { clusterRoutes } from "./rest/routes/cluster-routes.js";
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
}

/** A running control plane. */
export interface ControlPlane {
  /** The REST port actually bound (differs from config when it was 0). */
  readonly httpPort: number;
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

    const admin =
      config.auth === "none"
        ? { verifier: noAuth, generatedToken: undefined }
        : await loadAdminAuth(config.adminToken, settings);
    if (config.auth === "none") {
      log.warn(
        "SO_AUTH=none: the REST API accepts requests without a token; use only for legacy clients",
      );
    }

    const endpoint: JoinEndpoint = {
      publicUrl: config.publicUrl,
      hubAddress: hubAddressFrom(config.publicUrl, config.grpcPort),
      caHash: () => undefined,
    };
    const clusters = new ClusterService({
      clusters: clustersColl,
      enablers,
      secrets,
      endpoint,
      now,
    });

    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "so_" });
    const routes: AnyRoute[] = [];
    routes.push(
      ...systemRoutes({ store, registry, openApi: () => buildOpenApi(routes) }),
      ...clusterRoutes({ clusters, liveNodes: noLiveNodes }),
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

    return {
      httpPort,
      generatedAdminToken: admin.generatedToken,
      async close() {
        await closeServer(server);
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
