import {
  type ChannelOptions,
  type ClientDuplexStream,
  credentials,
  Metadata,
  status,
} from "@grpc/grpc-js";
import {
  AgentHubClient,
  type AgentMessage,
  Backoff,
  type Command,
  type CommandProgress,
  CommandResult,
  FailureKind,
  type Hello,
  type HubMessage,
  type Logger,
  maxLinkMessageBytes,
  type NodeReport,
  systemTimers,
  type Timer,
  type Timers,
} from "@smart-orchestrator/shared";
import type { CredentialStore } from "../state/credential-store.js";
import { fetchPinnedCa } from "./ca-pin.js";

/** Where the link gets the newest inventory from. */
export interface ReportSource {
  /** The newest report, or undefined before the first one is ready. */
  latest(): NodeReport | undefined;
  /** Calls `listener` whenever a new report is ready; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/**
 * Executes one command from the hub and resolves with its result; `progress`
 * sends a CommandProgress on the stream the command came on while it runs.
 */
export type CommandHandler = (
  command: Command,
  progress: (p: CommandProgress) => void,
) => Promise<CommandResult>;

/** Link states, for logs, tests and the agent's own health. */
export type LinkState = "connecting" | "connected" | "disconnected" | "stopped";

/** Options for {@link HubLink}. */
export interface HubLinkOptions {
  /** `host:port` of the hub. */
  readonly hub: string;
  readonly token: string | undefined;
  readonly caHash: string | undefined;
  readonly insecure: boolean;
  readonly credentials: CredentialStore;
  readonly hello: () => Promise<Hello>;
  readonly reports: ReportSource;
  readonly onCommand?: CommandHandler;
  /** Messages sent after every Welcome, after the first report (the agent's ReleaseStatus). */
  readonly greetings?: () => Promise<AgentMessage[]>;
  readonly log: Logger;
  readonly backoff?: Backoff;
  /** Read deadline before the first Welcome tells the real one (default 30 s). */
  readonly readDeadlineMs?: number;
  /**
   * A stream must stay up this long before the backoff starts over (default
   * 5 s): resetting on Welcome alone let a stream that dies right after it
   * (say, a report the hub rejects) redial in a tight loop.
   */
  readonly healthyAfterMs?: number;
  /** Extra channel options (benchmarks set `grpc.use_local_subchannel_pool`). */
  readonly channelOptions?: ChannelOptions;
  readonly onState?: (state: LinkState, detail: string) => void;
  /** Clock and timers (read deadline, report interval, backoff waits); tests pass FakeTimers. */
  readonly timers?: Timers;
}

type Stream = ClientDuplexStream<AgentMessage, HubMessage>;

const channelDefaults: ChannelOptions = {
  "grpc.keepalive_time_ms": 20_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 1_000,
  "grpc.max_reconnect_backoff_ms": 30_000,
  // An Apply carries a whole rendered chart: the link-wide limit, not grpc's 4 MiB.
  "grpc.max_receive_message_length": maxLinkMessageBytes,
  "grpc.max_send_message_length": maxLinkMessageBytes,
};

/**
 * The agent's one outbound stream to the hub. It dials, joins with the token
 * or presents the saved credential, answers pings, pushes reports on an
 * interval and on change, and redials with full-jitter backoff whenever the
 * stream ends or goes silent past the read deadline (a half-open connection
 * looks exactly like that).
 */
export class HubLink {
  readonly #o: HubLinkOptions;
  readonly #backoff: Backoff;
  readonly #timers: Timers;
  #client: AgentHubClient | undefined;
  #stream: Stream | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #preferToken = false;
  #caPem: string | undefined;
  #memoryCredential: { clusterId: string; credential: string } | undefined;
  /** Writes on the current stream once it has been welcomed; unset between sessions. */
  #sendOnSession: ((message: AgentMessage) => void) | undefined;
  /** Streams opened, for tests and benchmarks. */
  attempts = 0;
  /** The cluster id from the last Welcome. */
  clusterId: string | undefined;
  state: LinkState = "disconnected";
  /** Why the last attempt or stream failed, for health output and tests. */
  lastError: string | undefined;
  /**
   * Set when the hub refused every way this agent can authenticate (a
   * revoked credential and no join token left to try): the link has stopped
   * instead of retrying forever.
   */
  refused: string | undefined;

  constructor(options: HubLinkOptions) {
    this.#o = options;
    this.#backoff = options.backoff ?? new Backoff();
    this.#timers = options.timers ?? systemTimers();
  }

  /** Starts the connect loop; resolves when {@link stop} has been called and the loop ended. */
  async run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#runStream();
      } catch (err) {
        this.lastError = (err as Error).message;
        this.#o.log.error({ err: this.lastError }, "hub link attempt failed");
      }
      if (this.#stopped) break;
      this.#setState("disconnected", "waiting to redial");
      await this.#sleep(this.#backoff.next());
    }
    this.#setState("stopped", "stopped");
  }

  /**
   * Sends a message on the live session (after its Welcome); false, and
   * nothing sent, while there is none. The agent's ReleaseStatus after a
   * repair goes this way; the next session's greetings carry it otherwise.
   */
  send(message: AgentMessage): boolean {
    if (!this.#sendOnSession) return false;
    this.#sendOnSession(message);
    return true;
  }

  /** Ends the stream and the loop. */
  stop(): void {
    this.#stopped = true;
    this.#stream?.cancel();
    this.#wake?.();
    this.#client?.close();
  }

  async #runStream(): Promise<void> {
    this.#setState("connecting", this.#o.hub);
    const saved = this.#memoryCredential ?? (await this.#o.credentials.load());
    const useToken = !saved || (this.#preferToken && !!this.#o.token);
    const bearer = useToken ? this.#o.token : saved?.credential;
    if (!bearer) throw new Error("no saved credential and no --token: cannot join");
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${bearer}`);
    if (!useToken && saved) metadata.set("x-so-cluster-id", saved.clusterId);
    const client = await this.#getClient();
    const hello = await this.#o.hello();
    this.attempts++;
    const stream = client.connect(metadata);
    this.#stream = stream;
    await new Promise<void>((resolve) => this.#drive(stream, hello, resolve));
    this.#stream = undefined;
  }

  #drive(stream: Stream, hello: Hello, finished: () => void): void {
    const log = this.#o.log;
    let deadlineMs = this.#o.readDeadlineMs ?? 30_000;
    let reportTimer: Timer | undefined;
    let unsubscribe: (() => void) | undefined;
    let deadline: Timer | undefined;
    let over = false;
    let welcomedAt: number | undefined;
    const finish = (why: string) => {
      if (over) return;
      over = true;
      if (
        welcomedAt !== undefined &&
        this.#timers.now() - welcomedAt >= (this.#o.healthyAfterMs ?? 5_000)
      ) {
        this.#backoff.reset();
      }
      deadline?.clear();
      reportTimer?.clear();
      unsubscribe?.();
      if (this.#sendOnSession === sendHere) this.#sendOnSession = undefined;
      if (this.state === "connected") this.#setState("disconnected", why);
      finished();
    };
    const touch = () => {
      deadline?.clear();
      deadline = this.#timers.setTimeout(() => {
        log.warn({ deadlineMs }, "no message from the hub within the read deadline; redialling");
        stream.cancel();
        // The channel's TCP connection is likely half-open: a new stream on it would hang too.
        this.#dropClient();
        finish("read deadline passed");
      }, deadlineMs);
    };
    const sendHere = (m: AgentMessage) => {
      if (!over) stream.write(m);
    };
    const sendReport = () => {
      const report = this.#o.reports.latest();
      if (report && !over) stream.write({ body: { $case: "nodeReport", value: report } });
    };

    stream.on("data", (message: HubMessage) => {
      touch();
      const body = message.body;
      switch (body?.$case) {
        case "welcome": {
          const w = body.value;
          deadlineMs = w.readDeadlineMs || deadlineMs;
          touch();
          this.clusterId = w.clusterId;
          if (w.credential) this.#adopt(w.clusterId, w.credential);
          this.#preferToken = false;
          welcomedAt = this.#timers.now();
          this.#setState("connected", `cluster ${w.clusterId}`);
          this.#sendOnSession = sendHere;
          sendReport();
          this.#o.greetings?.().then(
            (messages) => {
              for (const m of messages) if (!over) stream.write(m);
            },
            (err: unknown) => log.warn({ err }, "could not build the session's greetings"),
          );
          reportTimer = this.#timers.setInterval(sendReport, w.reportIntervalMs || 10_000);
          unsubscribe = this.#o.reports.onChange(sendReport);
          break;
        }
        case "ping":
          stream.write({ body: { $case: "pong", value: { nonce: body.value.nonce } } });
          break;
        case "command":
          this.#execute(body.value, (m) => {
            if (!over) stream.write(m);
          });
          break;
        default:
          break;
      }
    });
    stream.on("error", (err: Error & { code?: number; details?: string }) => {
      if (err.code === status.UNAUTHENTICATED && this.#o.token && !this.#preferToken) {
        // The saved credential was refused (cluster re-registered?): try the token next time.
        this.#preferToken = true;
      } else if (err.code === status.UNAUTHENTICATED) {
        // Nothing left to try: retrying a revoked credential forever only loads the hub.
        this.refused = err.details ?? err.message;
        log.error(
          { details: this.refused },
          "the hub refused this agent's credential and no join token is left to try: stopping (issue a new join token with POST /clusters/:id/token and start the agent with it)",
        );
        this.stop();
      }
      if (err.code !== status.CANCELLED) {
        this.lastError = err.details ?? err.message;
        log.warn(
          { code: err.code, details: err.details ?? err.message },
          "hub stream ended with an error",
        );
      }
      finish(err.details ?? err.message);
    });
    stream.on("end", () => finish("hub closed the stream"));
    stream.on("close", () => finish("stream closed"));
    touch();
    stream.write({ body: { $case: "hello", value: hello } });
  }

  #adopt(clusterId: string, credential: string): void {
    this.#memoryCredential = { clusterId, credential };
    this.#o.credentials.save({ clusterId, credential }).then(
      () =>
        this.#o.log.info(
          { clusterId, where: this.#o.credentials.location },
          "joined; credential saved",
        ),
      (err: unknown) =>
        this.#o.log.error(
          { err },
          "could not save the credential; it is kept in memory until restart",
        ),
    );
  }

  #execute(command: Command, send: (m: AgentMessage) => void): void {
    const handler = this.#o.onCommand;
    const reply = (result: CommandResult) =>
      send({ body: { $case: "commandResult", value: result } });
    if (!handler) {
      reply(
        CommandResult.fromPartial({
          commandId: command.id,
          message: "this agent does not execute commands",
          failure: FailureKind.FAILURE_KIND_UNSUPPORTED,
        }),
      );
      return;
    }
    const progress = (p: CommandProgress) => send({ body: { $case: "commandProgress", value: p } });
    handler(command, progress).then(reply, (err: unknown) =>
      reply(
        CommandResult.fromPartial({
          commandId: command.id,
          message: err instanceof Error ? err.message : String(err),
        }),
      ),
    );
  }

  #dropClient(): void {
    this.#client?.close();
    this.#client = undefined;
  }

  async #getClient(): Promise<AgentHubClient> {
    if (this.#client) return this.#client;
    const options = { ...channelDefaults, ...this.#o.channelOptions };
    if (this.#o.insecure) {
      this.#client = new AgentHubClient(this.#o.hub, credentials.createInsecure(), options);
      return this.#client;
    }
    const pin = this.#o.caHash;
    if (!pin) throw new Error("--ca-hash is required without --insecure");
    const sep = this.#o.hub.lastIndexOf(":");
    const host = this.#o.hub.slice(0, sep).replace(/^\[|\]$/g, "");
    this.#caPem ??= await fetchPinnedCa(host, Number(this.#o.hub.slice(sep + 1)), pin);
    const caPem = this.#caPem;
    this.#client = new AgentHubClient(
      this.#o.hub,
      credentials.createSsl(Buffer.from(caPem)),
      options,
    );
    return this.#client;
  }

  #setState(state: LinkState, detail: string): void {
    if (this.state === state) return;
    this.state = state;
    this.#o.onState?.(state, detail);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#timers.setTimeout(resolve, ms);
      this.#wake = () => {
        timer.clear();
        resolve();
      };
    });
  }
}
