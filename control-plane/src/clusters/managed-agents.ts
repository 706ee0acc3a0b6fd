import { type ChildProcess, spawn } from "node:child_process";
import { Backoff, type Logger } from "@smart-orchestrator/shared";
import type { SecretBox } from "../security/secret-box.js";
import { hashSecret, randomSecret } from "../security/tokens.js";
import { type Collection, updateWithRetry } from "../store/store.js";
import type { ClusterDoc } from "./cluster-doc.js";
import { credentialsContext } from "./cluster-service.js";

/** How to start the agent program: argv[0..n], to which link flags are appended. */
export type AgentCommand = readonly string[];

/** Options for {@link ManagedAgents}. */
export interface ManagedAgentsOptions {
  readonly clusters: Collection<ClusterDoc>;
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
  /** Restart backoff (tests shorten it). */
  readonly backoff?: () => Backoff;
}

interface Child {
  process: ChildProcess | undefined;
  stopped: boolean;
  timer: NodeJS.Timeout | undefined;
  backoff: Backoff;
  restarts: number;
}

/**
 * Runs one agent process per cluster registered with credentials (the
 * original API's kubeconfig), so those clusters join through the same link
 * and session model as clusters that run their own agent. The kubeconfig and
 * a fresh credential go to the child on stdin, never on its command line or
 * in its environment. A child that dies is restarted with backoff; deleting
 * the cluster stops it.
 */
export class ManagedAgents {
  readonly #o: ManagedAgentsOptions;
  readonly #children = new Map<string, Child>();
  #closed = false;

  constructor(options: ManagedAgentsOptions) {
    this.#o = options;
  }

  /** Starts an agent for every stored cluster that has credentials. */
  async startAll(): Promise<void> {
    for (const c of await this.#o.clusters.find()) if (c.credentials) this.ensure(c._id);
  }

  /** Starts the cluster's agent unless it is running. */
  ensure(clusterId: string): void {
    if (this.#closed || this.#children.has(clusterId)) return;
    const child: Child = {
      process: undefined,
      stopped: false,
      timer: undefined,
      backoff: this.#o.backoff?.() ?? new Backoff(),
      restarts: 0,
    };
    this.#children.set(clusterId, child);
    void this.#spawn(clusterId, child);
  }

  /** Stops the cluster's agent (the cluster was deleted). */
  stop(clusterId: string): void {
    const child = this.#children.get(clusterId);
    if (!child) return;
    child.stopped = true;
    clearTimeout(child.timer);
    child.process?.kill("SIGTERM");
    this.#children.delete(clusterId);
  }

  /** The pid of a cluster's running agent, for tests and diagnostics. */
  pid(clusterId: string): number | undefined {
    return this.#children.get(clusterId)?.process?.pid;
  }

  /** How often a cluster's agent has been restarted. */
  restarts(clusterId: string): number {
    return this.#children.get(clusterId)?.restarts ?? 0;
  }

  /** Stops every child and waits for them to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    const exits = [...this.#children.values()].map((c) => {
      c.stopped = true;
      clearTimeout(c.timer);
      const p = c.process;
      if (!p || p.exitCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        p.once("exit", () => resolve());
        p.kill("SIGTERM");
        setTimeout(() => p.kill("SIGKILL"), 5_000).unref();
      });
    });
    this.#children.clear();
    await Promise.all(exits);
  }

  async #spawn(clusterId: string, child: Child): Promise<void> {
    const log = this.#o.log.child({ clusterId, managedAgent: true });
    let bootstrap: string;
    try {
      bootstrap = await this.#bootstrap(clusterId);
    } catch (err) {
      log.error({ err }, "cannot prepare the managed agent; retrying");
      return this.#scheduleRestart(clusterId, child);
    }
    if (child.stopped) return;
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
      "--log-level",
      this.#o.logLevel,
    ];
    const proc = spawn(program, args, {
      stdio: ["pipe", "inherit", "inherit"],
      env: withoutSecrets(process.env),
    });
    child.process = proc;
    proc.stdin?.end(bootstrap);
    proc.on("error", (err) => log.error({ err }, "managed agent failed to start"));
    proc.on("exit", (code, signal) => {
      child.process = undefined;
      if (child.stopped || this.#closed) return;
      log.warn({ code, signal }, "managed agent exited; restarting");
      this.#scheduleRestart(clusterId, child);
    });
    log.info({ pid: proc.pid }, "managed agent started");
  }

  #scheduleRestart(clusterId: string, child: Child): void {
    if (child.stopped || this.#closed) return;
    child.restarts++;
    child.timer = setTimeout(() => void this.#spawn(clusterId, child), child.backoff.next());
    child.timer.unref();
  }

  /** Mints a fresh credential (replacing the last) and packs it with the kubeconfig. */
  async #bootstrap(clusterId: string): Promise<string> {
    const doc = await this.#o.clusters.get(clusterId);
    if (!doc?.credentials) throw new Error(`cluster ${clusterId} has no credentials`);
    const kubeconfig = this.#o.secrets.open(doc.credentials, credentialsContext(clusterId));
    const credential = `${clusterId}.${randomSecret(32)}`;
    const at = this.#o.now().toISOString();
    await updateWithRetry(this.#o.clusters, clusterId, (c) => ({
      ...c,
      credentialHash: hashSecret(credential),
      credentialUsedAt: c.credentialUsedAt ?? at,
      updatedAt: at,
    }));
    return JSON.stringify({
      clusterId,
      credential,
      kubeconfig,
      allowHttp: this.#o.allowHttpClusters,
    });
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
