import { status } from "@grpc/grpc-js";
import {
  type Logger,
  type NodeReport,
  type ReleaseStatus,
  systemTimers,
  type Timers,
} from "@smart-orchestrator/shared";
import type { Registry } from "prom-client";
import type { SecretBox } from "../security/secret-box.js";
import type { Collection } from "../store/store.js";
import { AgentAuthenticator, type CredentialRecords } from "./agent-auth.js";
import type { CommandProgressSink, CommandResultSink, SessionStartListener } from "./agent-hub.js";
import { ClusterPresence, type PresenceRecords } from "./cluster-presence.js";
import type { HubConnectionLimits } from "./hub-listener.js";
import { createHubMetrics } from "./hub-metrics.js";
import { startHubServer } from "./hub-server.js";
import type { HubTimings } from "./hub-timings.js";
import { LiveInventory } from "./live-inventory.js";
import { SessionRegistry } from "./session-registry.js";
import type { CaDoc } from "./tls/hub-ca.js";
import { type HubTlsSource, resolveHubTls } from "./tls/hub-tls.js";

/**
 * After a restart, agents come back over their backoff window (full jitter,
 * 30 s cap), so clusters are declared Disconnected only past twice that:
 * sweeping earlier marked thousands of returning clusters Disconnected and
 * then Enabled again, two store writes each during the reconnect burst.
 */
const sweepGraceMs = 60_000;

/** What the agent hub is built from. */
export interface AgentHubModuleDeps {
  readonly tlsSource: HubTlsSource;
  readonly host: string;
  readonly port: number;
  /** Deadlines and caps on raw connections. */
  readonly limits: HubConnectionLimits;
  /** The cluster records, through the two small interfaces the hub declares. */
  readonly clusters: CredentialRecords & PresenceRecords;
  readonly caStore: Collection<CaDoc>;
  readonly secrets: SecretBox;
  readonly timings: HubTimings;
  readonly registry: Registry;
  readonly now: () => Date;
  /**
   * Clock and timers of every hub deadline (TLS, first bytes, Hello, reads,
   * pings) and of the restart sweep; tests pass FakeTimers. Real, unref'd
   * timers when absent.
   */
  readonly timers?: Timers;
  readonly log: Logger;
  /** Every accepted report, after the live inventory has it (usage history). */
  readonly onReport?: (clusterId: string, report: NodeReport, at: Date) => void;
  /** Command results and progress, and session starts: the enablers' outbox. */
  readonly onCommandResult?: CommandResultSink;
  readonly onCommandProgress?: CommandProgressSink;
  readonly onSessionStart?: SessionStartListener;
  /** Each validated ReleaseStatus: what a cluster holds, at every session start. */
  readonly onReleaseStatus?: (clusterId: string, status: ReleaseStatus) => void;
}

/** The running hub and the live state it keeps. */
export interface AgentHubModule {
  readonly port: number;
  /** `sha256:<hex>` agents pin; undefined when the hub runs plaintext. */
  readonly caHash: string | undefined;
  readonly sessions: SessionRegistry;
  readonly inventory: LiveInventory;
  /** Ends a cluster's session (it was deleted) and drops its figures. */
  evict(clusterId: string, reason: string): void;
  /** Ends every stream with UNAVAILABLE (agents redial) and stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the agent hub: TLS material, authentication, sessions, presence
 * and the live inventory, wired around the gRPC server. After a restart it
 * marks clusters whose agent has not come back within the read deadline plus
 * a minute Disconnected.
 */
export async function startAgentHub(deps: AgentHubModuleDeps): Promise<AgentHubModule> {
  const { log } = deps;
  const tls = await resolveHubTls(deps.tlsSource, deps.caStore, deps.secrets);
  if (tls.caHash) log.info({ caHash: tls.caHash }, "agent hub CA (agents pin it with --ca-hash)");
  else log.warn("SO_INSECURE: the agent hub serves plaintext gRPC; agents must use --insecure");

  const sessions = new SessionRegistry();
  const inventory = new LiveInventory();
  const presence = new ClusterPresence(deps.clusters, deps.now, log);
  const metrics = createHubMetrics(deps.registry, sessions);
  const timers = deps.timers ?? systemTimers({ unref: true });
  let stopping = false;
  const server = await startHubServer(
    {
      auth: new AgentAuthenticator({ clusters: deps.clusters, now: deps.now }),
      registry: sessions,
      presence,
      inventory,
      timings: deps.timings,
      log: log.child({ component: "hub" }),
      now: deps.now,
      isStopping: () => stopping,
      ...(deps.onReport ? { onReport: deps.onReport } : {}),
      ...(deps.onCommandResult ? { onCommandResult: deps.onCommandResult } : {}),
      ...(deps.onCommandProgress ? { onCommandProgress: deps.onCommandProgress } : {}),
      ...(deps.onSessionStart ? { onSessionStart: deps.onSessionStart } : {}),
      ...(deps.onReleaseStatus ? { onReleaseStatus: deps.onReleaseStatus } : {}),
      onReportHandled: metrics.reportHandled,
      timers,
    },
    { host: deps.host, port: deps.port, tls: tls.tls, limits: deps.limits, log, timers },
  );
  const sweep = timers.setTimeout(() => {
    presence
      .sweep((id) => sessions.has(id))
      .catch((err: unknown) => log.error({ err }, "presence sweep failed"));
  }, deps.timings.readDeadlineMs + sweepGraceMs);

  return {
    port: server.port,
    caHash: tls.caHash,
    sessions,
    inventory,
    evict(clusterId, reason) {
      sessions.get(clusterId)?.fail({ code: status.PERMISSION_DENIED, details: reason });
      inventory.forget(clusterId);
    },
    async close() {
      stopping = true;
      sweep.clear();
      // Ending streams with UNAVAILABLE tells agents to redial (with backoff) at once.
      for (const s of sessions.all())
        s.fail({ code: status.UNAVAILABLE, details: "the hub is shutting down" });
      await server.close();
      // Queued status writes finish before the store closes.
      await presence.flush();
    },
  };
}
