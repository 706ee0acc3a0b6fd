import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import {
  Backoff,
  type Logger,
  lineSplitter,
  type ManagedEvent,
  type ManagedStart,
  parseManagedEvent,
} from "@smart-orchestrator/shared";
import type { SecretBox } from "../security/secret-box.js";
import { hashSecret, randomSecret } from "../security/tokens.js";
import type { AgentPidFile } from "./agent-pid-file.js";
import type { ClusterDoc } from "./cluster-doc.js";
import { credentialsContext } from "./cluster-service.js";

/** The cluster-record access managed agents need (ClusterRecords implements it). */
export interface ManagedClusterRecords {
  get(clusterId: string): Promise<ClusterDoc | undefined>;
  list(): Promise<ClusterDoc[]>;
  /** Replaces the credential and marks it used (the control plane runs the agent). */
  replaceManagedCredential(clusterId: string, hash: string, at: Date): Promise<void>;
  /** Shows the agent's last error as the cluster's statusReason while it is not Enabled. */
  recordAgentProblem(clusterId: string, reason: string, at: Date): Promise<void>;
}

/** How to start the agent program: argv[0..n], to which link flags are appended. */
export type AgentCommand = readonly string[];

/** Options for {@link ManagedAgents}. */
export interface ManagedAgentsOptions {
  readonly clusters: ManagedClusterRecords;
  readonly secrets: SecretBox;
  readonly command: AgentCommand;
  /** `host:port` of this control plane's hub, as the child dials it. */
  readonly hubAddress: () => string;
  /** CA pin for the child; undefined when the hub runs plaintext. */
  readonly caHash: () => string | undefined;
  readonly log: Logger;
  readonly logLevel: string;
  readonly now: () => Date;
  /** Lets the child accept `http://` servers (`SO_ALLOW_HTTP_CLUSTERS`); it checks the kubeconfig again. */
  readonly allowHttpClusters: boolean;
  /** Where the host's pid is kept, so the next start ends a stray host. */
  readonly pidFile?: AgentPidFile;
  /** Restart backoff (tests shorten it). */
  readonly backoff?: () => Backoff;
  /** Namespace in each cluster for its agent's desired-state Secrets (default: the agent's, smart-orchestrator). */
  readonly namespace?: string;
}

interface Host {
  readonly process: ChildProcess;
  readonly stdin: Writable;
  /** Set when we closed its stdin on purpose (no clusters left, or close()). */
  ending: boolean;
}

/**
 * Runs the agents of every cluster registered with credentials (the original
 * API's kubeconfig) in ONE child process, the agent in `--managed` mode, so
 * those clusters join through the same link and session model as clusters
 * that run their own agent. Each cluster's kubeconfig and a fresh credential
 * go to the child as a `start` line on its stdin, never on its command line
 * or in its environment; its status comes back on fd 3 and a failing
 * cluster's last error becomes its `statusReason`. The child exits when its
 * stdin closes, so it never outlives this process, and a pid file lets the
 * next start end it if it somehow did. A child that dies is restarted with
 * backoff and given every cluster again.
 */
export class ManagedAgents {
  readonly #o: ManagedAgentsOptions;
  readonly #wanted = new Set<string>();
  readonly #status = new Map<string, ManagedEvent>();
  readonly #backoff: Backoff;
  #host: Host | undefined;
  #timer: NodeJS.Timeout | undefined;
  #restarts = 0;
  #closed = false;

  constructor(options: ManagedAgentsOptions) {
    this.#o = options;
    this.#backoff = options.backoff?.() ?? new Backoff();
  }

  /** Ends a stray host of an earlier run, then serves every stored cluster that has credentials. */
  async startAll(): Promise<void> {
    await this.#o.pidFile?.endStray();
    for (const c of await this.#o.clusters.list()) if (c.credentials) this.#wanted.add(c._id);
    if (this.#wanted.size > 0) this.#spawn();
  }

  /** Serves the cluster from its stored credentials unless it already is. */
  ensure(clusterId: string): void {
    if (this.#closed || this.#wanted.has(clusterId)) return;
    this.#wanted.add(clusterId);
    if (this.#host && !this.#host.ending) void this.#sendStart(this.#host, clusterId);
    // An ending host respawns from its exit handler; a scheduled restart will include this cluster.
    else if (!this.#host && !this.#timer) this.#spawn();
  }

  /**
   * Stops the cluster's agent (the cluster was deleted; the host also removes
   * the desired state it kept in the cluster); the host goes when none are left.
   */
  stop(clusterId: string): void {
    if (!this.#wanted.delete(clusterId)) return;
    this.#status.delete(clusterId);
    const host = this.#host;
    if (!host || host.ending) return;
    this.#write(host, { type: "stop", clusterId });
    if (this.#wanted.size === 0) {
      host.ending = true;
      host.stdin.end();
    }
  }

  /** The pid of the process serving a cluster, for tests and diagnostics. */
  pid(clusterId: string): number | undefined {
    return this.#wanted.has(clusterId) ? this.#host?.process.pid : undefined;
  }

  /** The host process's pid, if it runs. */
  hostPid(): number | undefined {
    return this.#host?.process.pid;
  }

  /** How often the host process has been restarted after dying. */
  restarts(_clusterId?: string): number {
    return this.#restarts;
  }

  /** The last status the host reported for a cluster. */
  status(clusterId: string): ManagedEvent | undefined {
    return this.#status.get(clusterId);
  }

  /** Stops the host (closing its stdin stops every agent) and waits for it to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const host = this.#host;
    this.#wanted.clear();
    if (!host || host.process.exitCode !== null || host.process.signalCode !== null) {
      this.#o.pidFile?.clear();
      return;
    }
    await new Promise<void>((resolve) => {
      host.process.once("exit", () => resolve());
      host.ending = true;
      host.stdin.end();
      setTimeout(() => host.process.kill("SIGKILL"), 5_000).unref();
    });
  }

  #spawn(): void {
    this.#timer = undefined;
    if (this.#closed || this.#wanted.size === 0) return;
    const log = this.#o.log;
    const [program, ...baseArgs] = this.#o.command;
    if (!program) throw new Error("agent command is empty");
    const hash = this.#o.caHash();
    const args = [
      ...baseArgs,
      "--managed",
      "--hub",
      this.#o.hubAddress(),
      ...(hash ? ["--ca-hash", hash] : ["--insecure"]),
      // Kubelets of a remote cluster are rarely reachable from here; the API server proxy is.
      "--stats-source",
      "proxy",
      ...(this.#o.namespace ? ["--namespace", this.#o.namespace] : []),
      "--log-level",
      this.#o.logLevel,
    ];
    const proc = spawn(program, args, {
      stdio: ["pipe", "inherit", "inherit", "pipe"],
      // The launcher runs the bundle on this same Node binary.
      env: { ...withoutSecrets(process.env), EDGE_AGENT_NODE: process.execPath },
    });
    const stdin = proc.stdin as Writable;
    const host: Host = { process: proc, stdin, ending: false };
    this.#host = host;
    // A write racing the child's exit fails with EPIPE; the exit handler restarts it.
    stdin.on("error", () => undefined);
    const events = proc.stdio[3];
    events?.on(
      "data",
      lineSplitter(
        (line) => {
          const event = parseManagedEvent(line);
          if (event) void this.#onEvent(event);
        },
        () => log.warn("an event line from the managed agent host was too long; ignored"),
      ),
    );
    proc.on("error", (err) => log.error({ err }, "managed agent host failed to start"));
    proc.on("exit", (code, signal) => {
      if (this.#host !== host) return; // an ended host, already replaced
      this.#host = undefined;
      this.#o.pidFile?.clear();
      if (this.#closed || host.ending) {
        // Ended on purpose; clusters added meanwhile need a new host.
        if (!this.#closed && this.#wanted.size > 0) this.#spawn();
        return;
      }
      this.#restarts++;
      const wait = this.#backoff.next();
      log.warn({ code, signal, wait }, "managed agent host exited; restarting");
      this.#timer = setTimeout(() => this.#spawn(), wait);
      this.#timer.unref();
    });
    if (proc.pid !== undefined) this.#o.pidFile?.record(proc.pid);
    log.info({ pid: proc.pid, clusters: this.#wanted.size }, "managed agent host started");
    for (const id of this.#wanted) void this.#sendStart(host, id);
  }

  async #sendStart(host: Host, clusterId: string): Promise<void> {
    let start: ManagedStart;
    try {
      start = await this.#bootstrap(clusterId);
    } catch (err) {
      this.#o.log.error({ err, clusterId }, "cannot prepare the managed agent");
      await this.#recordReason(clusterId, `cannot prepare the agent: ${(err as Error).message}`);
      return;
    }
    // The cluster may have been deleted, or the host replaced, while the credential was minted.
    if (this.#host === host && !host.ending && this.#wanted.has(clusterId))
      this.#write(host, start);
  }

  #write(host: Host, command: ManagedStart | { type: "stop"; clusterId: string }): void {
    host.stdin.write(`${JSON.stringify(command)}\n`);
  }

  async #onEvent(event: ManagedEvent): Promise<void> {
    const { clusterId, state, reason } = event;
    if (!this.#wanted.has(clusterId)) return;
    this.#status.set(clusterId, event);
    const log = this.#o.log.child({ clusterId });
    if (state === "connected") {
      this.#backoff.reset();
      log.info("managed agent connected");
      return;
    }
    if (state === "revoked") {
      log.error({ reason }, "the hub refused the managed agent's credential; its agent stopped");
    } else log.warn({ state, reason }, "managed agent cannot serve the cluster");
    await this.#recordReason(clusterId, reason ?? state);
  }

  /** Shows why a cluster served from credentials is not connected, as its `statusReason`. */
  async #recordReason(clusterId: string, reason: string): Promise<void> {
    try {
      await this.#o.clusters.recordAgentProblem(clusterId, reason, this.#o.now());
    } catch (err) {
      this.#o.log.warn({ err, clusterId }, "could not record the managed agent's status reason");
    }
  }

  /** Mints a fresh credential (replacing the last) and packs it with the kubeconfig. */
  async #bootstrap(clusterId: string): Promise<ManagedStart> {
    const doc = await this.#o.clusters.get(clusterId);
    if (!doc?.credentials) throw new Error(`cluster ${clusterId} has no credentials`);
    const kubeconfig = this.#o.secrets.open(doc.credentials, credentialsContext(clusterId));
    const credential = `${clusterId}.${randomSecret(32)}`;
    await this.#o.clusters.replaceManagedCredential(
      clusterId,
      hashSecret(credential),
      this.#o.now(),
    );
    return {
      type: "start",
      clusterId,
      credential,
      kubeconfig,
      allowHttp: this.#o.allowHttpClusters,
    };
  }
}

/** The child needs no control-plane secrets: drop them from its environment. */
function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^(SO_|MONGODB_URI$)/.test(k)) continue;
    out[k] = v;
  }
  return out;
}
