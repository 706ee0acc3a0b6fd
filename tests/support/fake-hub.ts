import { gzipSync } from "node:zlib";
import { Server, ServerCredentials, type ServerDuplexStream } from "@grpc/grpc-js";
import {
  type Agent,
  type AgentDeps,
  createAgent,
  FileCredentialStore,
  loadAgentConfig,
} from "@smart-orchestrator/edge-agent";
import { type SimulatorHandle, simulatorKubeConfig } from "@smart-orchestrator/kube-simulator";
import {
  AgentHubService,
  type AgentMessage,
  Backoff,
  type CommandProgress,
  type CommandResult,
  type HubMessage,
  maxLinkMessageBytes,
  type ReleaseStatus,
} from "@smart-orchestrator/shared";
import { testLogger } from "./hub-harness.js";

/**
 * A stand-in hub over real gRPC (plaintext) for tests of the agent side of
 * the link: it welcomes any agent as cluster `c1`, records what agents send,
 * and lets the test send commands. It can stop and start again on the same
 * port, as a hub that goes away and comes back.
 */
export interface FakeHub {
  /** The bound port (0 until the first start). */
  readonly port: number;
  readonly results: CommandResult[];
  readonly progress: CommandProgress[];
  readonly statuses: ReleaseStatus[];
  /** Whether an agent has said Hello on the current server. */
  connected(): boolean;
  /** Sends to the agent that said Hello last. */
  send(message: HubMessage): void;
  /** Binds (again on the same port after a stop) and resolves with the port. */
  start(): Promise<number>;
  /** Drops the server and its streams at once: the hub is gone. */
  stop(): void;
  /** Shuts down gracefully (test teardown, after the agent stopped). */
  close(): Promise<void>;
}

/**
 * Welcome timings of a minute: reports and pings stay out of the way of
 * what these tests check, and a busy machine never trips the deadline.
 */
const quietWelcome = {
  clusterId: "c1",
  credential: "",
  reportIntervalMs: 60_000,
  pingIntervalMs: 60_000,
  readDeadlineMs: 60_000,
};

/** A {@link FakeHub}, not started; `port` 0 picks a free one on the first start. */
export function fakeHub(port = 0): FakeHub {
  let bound = port;
  let call: ServerDuplexStream<AgentMessage, HubMessage> | undefined;
  let server: Server | undefined;
  const hub: FakeHub = {
    get port() {
      return bound;
    },
    results: [],
    progress: [],
    statuses: [],
    connected: () => call !== undefined,
    send: (m) => void call?.write(m),
    async start() {
      const s = new Server({ "grpc.max_receive_message_length": maxLinkMessageBytes });
      server = s;
      s.addService(AgentHubService, {
        connect: (c: ServerDuplexStream<AgentMessage, HubMessage>) => {
          c.on("data", (m: AgentMessage) => record(c, m));
          c.on("error", () => {});
        },
      });
      bound = await new Promise<number>((resolve, reject) =>
        s.bindAsync(`127.0.0.1:${bound}`, ServerCredentials.createInsecure(), (e, p) =>
          e ? reject(e) : resolve(p),
        ),
      );
      return bound;
    },
    stop() {
      call = undefined;
      server?.forceShutdown();
    },
    close() {
      call = undefined;
      const s = server;
      return new Promise<void>((resolve) => (s ? s.tryShutdown(() => resolve()) : resolve()));
    },
  };
  function record(c: ServerDuplexStream<AgentMessage, HubMessage>, m: AgentMessage) {
    const body = m.body;
    if (body?.$case === "hello") {
      call = c;
      c.write({ body: { $case: "welcome", value: quietWelcome } });
    } else if (body?.$case === "commandResult") hub.results.push(body.value);
    else if (body?.$case === "commandProgress") hub.progress.push(body.value);
    else if (body?.$case === "releaseStatus") hub.statuses.push(body.value);
  }
  return hub;
}

/** An Apply command for release `release` of enabler `enablerId`, objects gzipped as the hub sends them. */
export function applyCommand(a: {
  id: string;
  release: string;
  enablerId: string;
  namespace: string;
  revision: number;
  objects: readonly unknown[] | Buffer;
  timeoutMs: number;
}): HubMessage {
  const objects = Buffer.isBuffer(a.objects) ? a.objects : gzipSync(JSON.stringify(a.objects));
  return {
    body: {
      $case: "command",
      value: {
        id: a.id,
        action: {
          $case: "apply",
          value: {
            release: a.release,
            enablerId: a.enablerId,
            namespace: a.namespace,
            revision: a.revision,
            objects,
            timeoutMs: a.timeoutMs,
            forceConflicts: false,
          },
        },
      },
    },
  };
}

/**
 * A real agent on `sim` linked to the fake hub on `port` (plaintext). It
 * already holds cluster c1's credential in `stateDir`, so it skips the join
 * the fake hub does not speak; a restart over the same `stateDir` keeps its
 * desired state.
 */
export async function startLinkedAgent(o: {
  port: number;
  sim: SimulatorHandle;
  stateDir: string;
  repairEvery?: AgentDeps["repairEvery"];
}): Promise<Agent> {
  await new FileCredentialStore(o.stateDir).save({ clusterId: "c1", credential: "c1.secret" });
  return createAgent({
    config: loadAgentConfig({}, [
      "--hub",
      `127.0.0.1:${o.port}`,
      "--insecure",
      "--state-dir",
      o.stateDir,
    ]),
    kubeConfig: simulatorKubeConfig(o.sim.url, o.sim.spec.name),
    log: testLogger("agent"),
    hostScope: "none",
    link: { backoff: new Backoff({ initialMs: 50, maxMs: 300 }) },
    ...(o.repairEvery ? { repairEvery: o.repairEvery } : {}),
  });
}
