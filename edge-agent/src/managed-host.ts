import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import {
  type Logger,
  lineSplitter,
  type ManagedEvent,
  type ManagedState,
} from "@smart-orchestrator/shared";
import { type Agent, type AgentDeps, createAgent } from "./agent.js";
import type { AgentConfig } from "./config.js";
import { SecretDesiredStore } from "./desired-state/secret-desired-store.js";
import type { LinkState } from "./link/hub-link.js";
import { commandClusterId, type ManagedBootstrap, parseManagedInput } from "./managed-bootstrap.js";
import { MemoryCredentialStore } from "./state/memory-credential-store.js";

/** What {@link ManagedHost} is built from; main.ts makes these. */
export interface ManagedHostDeps {
  readonly config: Readonly<AgentConfig>;
  readonly log: Logger;
  /** The control plane's commands, one JSON line each (stdin). EOF means the parent is gone. */
  readonly input: NodeJS.ReadableStream;
  /** Where status events go (fd 3, one JSON line each). */
  readonly emit: (event: ManagedEvent) => void;
  /** Builds one cluster's agent; tests replace it. */
  readonly createAgent?: (deps: AgentDeps) => Promise<Agent>;
  /** How long removing a deleted cluster's desired state may hold up the exit (default 10 s). */
  readonly forgetTimeoutMs?: number;
}

interface Hosted {
  agent: Agent | undefined;
  starting: Promise<void>;
  stopped: boolean;
  last: string;
  /** Set once the start was accepted: how to reach the cluster. */
  kubeConfig?: KubeConfig;
}

/**
 * Hosts the agents of every cluster the control plane serves from stored
 * credentials, in this one process: `start` and `stop` commands arrive on
 * stdin, each agent's state goes back as events. When stdin ends (the control
 * plane exited or was killed) every agent stops and the process exits, so no
 * agent outlives its control plane. A refused kubeconfig starts nothing; a
 * revoked credential stops its agent instead of retrying.
 */
export class ManagedHost {
  readonly #d: ManagedHostDeps;
  readonly #hosted = new Map<string, Hosted>();
  // Removals of deleted clusters' desired state still running: the exit waits for them.
  readonly #forgetting = new Set<Promise<void>>();

  constructor(deps: ManagedHostDeps) {
    this.#d = deps;
  }

  /** Serves commands until stdin ends, then stops every agent. */
  async run(): Promise<void> {
    const { input, log } = this.#d;
    const feed = lineSplitter(
      (line) => this.#command(line),
      () => log.error("a command line from the control plane was too long; ignored"),
    );
    await new Promise<void>((resolve) => {
      input.on("data", feed);
      input.once("end", resolve);
      input.once("close", resolve);
      input.once("error", resolve);
    });
    log.info({ agents: this.#hosted.size }, "control plane gone (stdin closed): stopping");
    await this.stopAll();
    await Promise.all(this.#forgetting);
  }

  /** Stops every hosted agent. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#hosted.keys()].map((id) => this.#stop(id)));
  }

  /** Cluster ids with an agent running or starting. */
  clusters(): string[] {
    return [...this.#hosted.keys()];
  }

  #command(line: string): void {
    let input: ReturnType<typeof parseManagedInput>;
    try {
      input = parseManagedInput(line);
    } catch (err) {
      const clusterId = commandClusterId(line);
      const reason = (err as Error).message;
      this.#d.log.error({ clusterId, reason }, "refused a command from the control plane");
      if (clusterId) {
        void this.#stop(clusterId);
        this.#emit(clusterId, "refused", reason);
      }
      return;
    }
    if (input.type === "stop") {
      const { clusterId } = input;
      const hosted = this.#hosted.get(clusterId);
      const forgetting = this.#stop(clusterId).then(() => this.#forget(clusterId, hosted));
      this.#forgetting.add(forgetting);
      void forgetting.finally(() => this.#forgetting.delete(forgetting));
      return;
    }
    const start = input;
    const previous = this.#stop(start.clusterId);
    const hosted: Hosted = {
      agent: undefined,
      starting: Promise.resolve(),
      stopped: false,
      last: "",
    };
    this.#hosted.set(start.clusterId, hosted);
    hosted.starting = previous.then(() => this.#start(start, hosted));
  }

  async #start(start: ManagedBootstrap, hosted: Hosted): Promise<void> {
    if (hosted.stopped) return;
    const { clusterId } = start;
    const log = this.#d.log.child({ clusterId });
    const kubeConfig = new KubeConfig();
    // Only the checked inline fields reach client-node: nothing it could run or read.
    kubeConfig.loadFromOptions(start.kubeconfig);
    hosted.kubeConfig = kubeConfig;
    const report = (state: ManagedState, reason?: string) => {
      const key = `${state}|${reason ?? ""}`;
      if (hosted.stopped || key === hosted.last) return;
      hosted.last = key;
      this.#emit(clusterId, state, reason);
    };
    let agent: Agent | undefined;
    const onState = (state: LinkState) => {
      if (state === "connected") report("connected");
      else if (state === "disconnected" && agent?.link.lastError)
        report("failing", `hub link: ${agent.link.lastError}`);
      else if (state === "stopped" && agent?.link.refused) {
        report("revoked", agent.link.refused);
        void this.#stop(clusterId);
      }
    };
    try {
      agent = await (this.#d.createAgent ?? createAgent)({
        config: this.#d.config,
        kubeConfig,
        log,
        hostScope: "none",
        credentials: new MemoryCredentialStore({ clusterId, credential: start.credential }),
        // Kept in the target cluster, beside what it describes: it outlives this process and the control plane.
        managedClusterId: clusterId,
        link: { onState },
        onInventoryError: (message) => {
          if (agent?.link.state !== "connected") report("failing", `Kubernetes API: ${message}`);
        },
      });
    } catch (err) {
      log.error({ err }, "could not start the agent");
      report("failing", (err as Error).message);
      return;
    }
    hosted.agent = agent;
    if (hosted.stopped) await agent.stop();
  }

  async #stop(clusterId: string): Promise<void> {
    const hosted = this.#hosted.get(clusterId);
    if (!hosted) return;
    this.#hosted.delete(clusterId);
    hosted.stopped = true;
    await hosted.starting;
    await hosted.agent?.stop();
  }

  /**
   * A `stop` means the control plane deleted the cluster: its workloads stay
   * (orphaned), but the desired state its agent kept in the cluster goes, so
   * no Secret of a cluster that no longer exists is left behind. Best effort,
   * within a deadline: an unreachable cluster keeps them (nothing reads them).
   */
  async #forget(clusterId: string, hosted: Hosted | undefined): Promise<void> {
    const kubeConfig = hosted?.kubeConfig;
    if (!kubeConfig) return;
    const log = this.#d.log.child({ clusterId });
    const store = new SecretDesiredStore(
      kubeConfig.makeApiClient(CoreV1Api),
      this.#d.config.namespace,
      { clusterId },
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), this.#d.forgetTimeoutMs ?? 10_000);
    });
    try {
      const removed = await Promise.race([store.removeAll(), deadline]);
      log.info({ removed, where: store.location }, "cluster deleted: its desired state removed");
    } catch (err) {
      log.warn(
        { err: (err as Error).message, where: store.location },
        "cluster deleted, but its desired state could not be removed; nothing reads it",
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #emit(clusterId: string, state: ManagedState, reason?: string): void {
    this.#d.emit({ type: "status", clusterId, state, ...(reason ? { reason } : {}) });
  }
}
