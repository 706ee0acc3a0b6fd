import type { ServerDuplexStream } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import type {
  AgentMessage,
  CommandProgress,
  CommandResult,
  HubMessage,
  Logger,
  NodeReport,
  ReleaseStatus,
  Timer,
  Timers,
} from "@smart-orchestrator/shared";
import { systemTimers } from "@smart-orchestrator/shared";
import { toGrpcError } from "./grpc-status.js";
import type { HubTimings } from "./hub-timings.js";
import {
  checkCommandProgress,
  checkCommandResult,
  checkNodeReport,
  checkReleaseStatus,
} from "./message-checks.js";

/** What a session hands received messages to. */
export interface SessionSink {
  report(clusterId: string, report: NodeReport): void;
  commandResult(clusterId: string, result: CommandResult): void;
  commandProgress(clusterId: string, progress: CommandProgress): void;
  /** What the cluster holds, sent by the agent at the start of every session. */
  releaseStatus(clusterId: string, status: ReleaseStatus): void;
}

/** Options for {@link AgentSession}. */
export interface AgentSessionOptions {
  readonly clusterId: string;
  readonly call: ServerDuplexStream<AgentMessage, HubMessage>;
  readonly timings: HubTimings;
  readonly sink: SessionSink;
  readonly log: Logger;
  /** Called once when the session has ended, for whatever reason. */
  readonly onEnd: (session: AgentSession, reason: string) => void;
  /** Clock and timers for pings and the read deadline; tests pass FakeTimers. */
  readonly timers?: Timers;
}

const backgroundTimers = systemTimers({ unref: true });

/**
 * One live agent stream after Hello. It pings on an interval and ends the
 * stream when nothing arrives within the read deadline, so a half-open TCP
 * connection is noticed in at most `readDeadlineMs`, whatever the kernel thinks.
 */
export class AgentSession {
  readonly clusterId: string;
  readonly #o: AgentSessionOptions;
  readonly #timers: Timers;
  #pingTimer: Timer | undefined;
  #deadlineTimer: Timer | undefined;
  #nonce = 0;
  #ended = false;

  constructor(options: AgentSessionOptions) {
    this.clusterId = options.clusterId;
    this.#o = options;
    this.#timers = options.timers ?? backgroundTimers;
  }

  /** Starts pinging and the read deadline; the stream's later messages come to {@link receive}. */
  start(): void {
    this.#touch();
    this.#pingTimer = this.#timers.setInterval(() => {
      const ping = { nonce: ++this.#nonce, sentAtMs: this.#timers.now() };
      this.send({ body: { $case: "ping", value: ping } });
    }, this.#o.timings.pingIntervalMs);
  }

  /** Whether the session has ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends a message; false when the session has ended. */
  send(message: HubMessage): boolean {
    if (this.#ended) return false;
    this.#o.call.write(message);
    return true;
  }

  /** Handles one message from the agent after Hello. */
  receive(message: AgentMessage): void {
    this.#touch();
    const body = message.body;
    try {
      switch (body?.$case) {
        case "nodeReport":
          checkNodeReport(body.value);
          this.#o.sink.report(this.clusterId, body.value);
          break;
        case "commandResult":
          checkCommandResult(body.value);
          this.#o.sink.commandResult(this.clusterId, body.value);
          break;
        case "commandProgress":
          checkCommandProgress(body.value);
          this.#o.sink.commandProgress(this.clusterId, body.value);
          break;
        case "releaseStatus":
          checkReleaseStatus(body.value);
          this.#o.sink.releaseStatus(this.clusterId, body.value);
          break;
        case "pong":
          break;
        case "hello":
          this.fail({
            code: status.FAILED_PRECONDITION,
            details: "Hello may be sent only once per stream",
          });
          break;
        default:
          // An unknown body from a newer agent: ignore it (proto compatibility rules).
          break;
      }
    } catch (err) {
      const grpcErr = toGrpcError(err);
      this.#o.log.warn(
        { clusterId: this.clusterId, err: grpcErr.details },
        "rejected agent message",
      );
      this.fail(grpcErr);
    }
  }

  /** Ends the stream with an error status. */
  fail(error: { code: status; details: string }): void {
    if (this.#ended) return;
    this.#o.call.emit("error", error);
    this.end(error.details);
  }

  /** Ends the session and its timers; idempotent. */
  end(reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#pingTimer?.clear();
    this.#deadlineTimer?.clear();
    this.#o.onEnd(this, reason);
  }

  #touch(): void {
    this.#deadlineTimer?.clear();
    this.#deadlineTimer = this.#timers.setTimeout(() => {
      this.#o.log.warn({ clusterId: this.clusterId }, "agent read deadline passed; closing stream");
      // The status goes out when the stream's writes drain. The stream must not be
      // destroyed here: that dropped the status and left a live agent's stream open
      // forever. On a half-open connection HTTP/2 keepalive ends it.
      this.fail({
        code: status.DEADLINE_EXCEEDED,
        details: `no message from the agent for ${this.#o.timings.readDeadlineMs} ms`,
      });
    }, this.#o.timings.readDeadlineMs);
  }
}
