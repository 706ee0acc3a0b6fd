import type { ServerDuplexStream } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import type {
  AgentMessage,
  CommandProgress,
  CommandResult,
  Hello,
  HubMessage,
  Logger,
  NodeReport,
  ReleaseStatus,
  Timers,
} from "@smart-orchestrator/shared";
import { systemTimers } from "@smart-orchestrator/shared";
import type { AgentAuthenticator, AgentIdentity } from "./agent-auth.js";
import { AgentSession } from "./agent-session.js";
import type { ClusterPresence } from "./cluster-presence.js";
import { toGrpcError } from "./grpc-status.js";
import type { HubTimings } from "./hub-timings.js";
import type { LiveInventory } from "./live-inventory.js";
import { checkHello } from "./message-checks.js";
import type { SessionRegistry } from "./session-registry.js";

/** Receives command results; the deploy work plugs its outbox in here. */
export type CommandResultSink = (clusterId: string, result: CommandResult) => void;

/** Receives the progress an agent sends while a command runs (which objects are not ready, why). */
export type CommandProgressSink = (clusterId: string, progress: CommandProgress) => void;

/** Called when a cluster's session starts, e.g. to re-send its pending commands. */
export type SessionStartListener = (session: AgentSession) => void;

/** What the hub's Connect handler is built from. */
export interface AgentHubDeps {
  readonly auth: AgentAuthenticator;
  readonly registry: SessionRegistry;
  readonly presence: ClusterPresence;
  readonly inventory: LiveInventory;
  readonly timings: HubTimings;
  readonly log: Logger;
  readonly now: () => Date;
  readonly onCommandResult?: CommandResultSink;
  readonly onCommandProgress?: CommandProgressSink;
  readonly onSessionStart?: SessionStartListener;
  /** Called with each validated ReleaseStatus (every session start): reconciliation. */
  readonly onReleaseStatus?: (clusterId: string, status: ReleaseStatus) => void;
  /** Called with every accepted report and its hub receive time (usage history). */
  readonly onReport?: (clusterId: string, report: NodeReport, receivedAt: Date) => void;
  /** Called with the seconds spent handling each received NodeReport (metrics). */
  readonly onReportHandled?: (seconds: number) => void;
  /** True while the hub shuts down: ended sessions are then not recorded as disconnects. */
  readonly isStopping?: () => boolean;
  /** Clock and timers of the Hello deadline and of sessions (pings, read deadlines); tests pass FakeTimers. */
  readonly timers?: Timers;
  /** Called with the stream's peer once an authenticated Hello started a session (lifts the connection's Hello deadline). */
  readonly onHello?: (peer: string) => void;
}

// Deadlines must not keep a stopping process alive.
const backgroundTimers = systemTimers({ unref: true });

/**
 * The `AgentHub.Connect` handler: authenticate from metadata, wait for Hello,
 * answer Welcome, then run an {@link AgentSession} until the stream ends.
 */
export function createConnectHandler(deps: AgentHubDeps) {
  const { log } = deps;
  const timers = deps.timers ?? backgroundTimers;
  return (call: ServerDuplexStream<AgentMessage, HubMessage>): void => {
    const fail = (err: unknown, what: string) => {
      const grpcErr = isGrpcStatus(err) ? err : toGrpcError(err);
      log.warn({ peer: call.getPeer(), code: grpcErr.code, reason: grpcErr.details }, what);
      call.emit("error", grpcErr);
    };
    const bearer = /^Bearer\s+(\S+)$/i.exec(
      String(call.metadata.get("authorization")[0] ?? ""),
    )?.[1];
    const claimed = call.metadata.get("x-so-cluster-id")[0]?.toString() || undefined;

    // Buffer messages that arrive while authentication is still in flight.
    const early: AgentMessage[] = [];
    let onMessage: (m: AgentMessage) => void = (m) => early.push(m);
    const handled = deps.onReportHandled;
    call.on("data", (m: AgentMessage) => {
      if (!handled || m.body?.$case !== "nodeReport") return onMessage(m);
      const t0 = performance.now();
      onMessage(m);
      handled((performance.now() - t0) / 1000);
    });
    let gone = false;
    call.on("error", () => {
      gone = true;
    });
    call.on("cancelled", () => {
      gone = true;
    });

    const helloTimer = timers.setTimeout(
      () =>
        fail(
          { code: status.DEADLINE_EXCEEDED, details: "no Hello within the read deadline" },
          "agent sent no Hello",
        ),
      deps.timings.readDeadlineMs,
    );

    deps.auth.authenticate(bearer, claimed).then(
      (identity) => {
        if (gone) return helloTimer.clear();
        let session: AgentSession | undefined;
        onMessage = (m) => {
          if (session) return session.receive(m);
          helloTimer.clear();
          if (m.body?.$case !== "hello") {
            return fail(
              { code: status.FAILED_PRECONDITION, details: "the first message must be Hello" },
              "agent skipped Hello",
            );
          }
          try {
            checkHello(m.body.value);
          } catch (err) {
            return fail(err, "rejected Hello");
          }
          session = startSession(deps, call, identity, m.body.value);
          deps.onHello?.(call.getPeer());
        };
        for (const m of early.splice(0)) onMessage(m);
      },
      (err: unknown) => {
        helloTimer.clear();
        fail(err, "agent authentication failed");
      },
    );
  };
}

function startSession(
  deps: AgentHubDeps,
  call: ServerDuplexStream<AgentMessage, HubMessage>,
  identity: AgentIdentity,
  hello: Hello,
): AgentSession {
  const { clusterId } = identity;
  const log = deps.log.child({ clusterId });
  const session: AgentSession = new AgentSession({
    clusterId,
    call,
    timings: deps.timings,
    ...(deps.timers ? { timers: deps.timers } : {}),
    log,
    sink: {
      report: (id: string, report: NodeReport) => {
        const at = deps.now();
        deps.inventory.record(id, report, at);
        deps.onReport?.(id, report, at);
      },
      commandResult: (id: string, result: CommandResult) => deps.onCommandResult?.(id, result),
      commandProgress: (id: string, progress: CommandProgress) =>
        deps.onCommandProgress?.(id, progress),
      releaseStatus: (id: string, status: ReleaseStatus) => deps.onReleaseStatus?.(id, status),
    },
    onEnd: (s, reason) => {
      if (deps.registry.detach(s) && !deps.isStopping?.()) {
        deps.presence.disconnected(clusterId, reason).catch((err: unknown) => {
          log.error({ err }, "could not record the disconnect");
        });
      }
    },
  });
  const end = (reason: string) => () => session.end(reason);
  call.on("end", end("agent closed the stream"));
  call.on("cancelled", end("stream cancelled"));
  call.on("error", (err: Error) => session.end(`stream error: ${err.message}`));
  call.on("close", end("stream closed"));

  deps.registry.attach(session);
  session.start();
  // Welcome goes out at once; the status write is queued (ClusterPresence) so a
  // fleet's first connections do not wait on, or starve behind, store commits.
  session.send({
    body: {
      $case: "welcome",
      value: {
        clusterId,
        credential: identity.issuedCredential ?? "",
        reportIntervalMs: deps.timings.reportIntervalMs,
        pingIntervalMs: deps.timings.pingIntervalMs,
        readDeadlineMs: deps.timings.readDeadlineMs,
      },
    },
  });
  deps.onSessionStart?.(session);
  deps.presence.connected(clusterId, hello, identity.spendsCredentialHash).catch((err: unknown) => {
    log.error({ err }, "could not record the connection");
  });
  return session;
}

function isGrpcStatus(err: unknown): err is { code: status; details: string } {
  return (
    typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "number"
  );
}
