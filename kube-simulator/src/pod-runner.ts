import type { ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { KubeObject } from "./kube-object.js";
import { spawnTied } from "./tied-spawn.js";

/** `--run-image <image-prefix>=<command>`: pods whose image starts with the prefix run the command. */
export interface RunImageRule {
  readonly prefix: string;
  /** The program and its leading arguments; the pod's container args follow them. */
  readonly command: readonly string[];
}

/** The part of the simulator the runner reads. */
export interface PodSource {
  /** Calls `listener` after every stored change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  list(kind: string, namespace?: string): KubeObject[];
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
}

/** What {@link PodRunner} is built from. */
export interface PodRunnerOptions {
  readonly pods: PodSource;
  readonly rules: readonly RunImageRule[];
  /** A kubeconfig for this simulator; the process gets it as KUBECONFIG, standing in for the service-account mount. */
  readonly kubeconfigPath: string;
  /** Working directory of the started processes. */
  readonly cwd?: string;
  /** Restart delay after a process exits while its pod still exists (kubelet's restartPolicy Always). */
  readonly restartDelayMs?: number;
}

interface Running {
  readonly uid: string;
  /** containerPort -> host port. */
  readonly ports: Map<number, number>;
  child: ChildProcess | undefined;
  readonly lines: string[];
  restarts: number;
  timer: NodeJS.Timeout | undefined;
}

const maxLogLines = 2000;

/**
 * Runs real processes for simulated pods, so that what an installer puts in
 * a simulated cluster actually starts: a pod bound to a node whose first
 * container's image matches a rule is started as that rule's command plus
 * the container's args, with the container's env (`value` and
 * `secretKeyRef`) and KUBECONFIG pointing at the simulator. The process is
 * stopped when the pod goes, restarted when it exits while the pod remains,
 * and its output is what `kubectl logs` shows. Pods here share the host's
 * network, so each declared containerPort is mapped to a free host port, and
 * an argument ending in `:<containerPort>` gets the host port instead (as
 * `docker run -p` maps ports); two agent pods can then both "listen on 8081".
 */
export class PodRunner {
  readonly #o: PodRunnerOptions;
  readonly #running = new Map<string, Running>();
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(options: PodRunnerOptions) {
    this.#o = options;
  }

  /** Starts watching pods; pods that already exist are started at once. */
  start(): void {
    this.#unsubscribe = this.#o.pods.onChange(() => this.#sync());
    this.#sync();
  }

  /** The last `tail` lines (all when undefined) a pod's process printed; undefined for pods not run here. */
  logs(namespace: string, name: string, tail?: number): string | undefined {
    const run = this.#running.get(`${namespace}/${name}`);
    if (!run) return undefined;
    const lines = tail === undefined ? run.lines : run.lines.slice(-tail);
    return lines.length ? `${lines.join("\n")}\n` : "";
  }

  /** Keys (`namespace/name`) of the pods with a live process. */
  runningPods(): string[] {
    return [...this.#running].filter(([, r]) => r.child).map(([key]) => key);
  }

  /** Stops every process and waits for them to exit. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    await Promise.all([...this.#running.keys()].map((key) => this.#stop(key)));
  }

  #sync(): void {
    if (this.#closed) return;
    const live = new Map<string, KubeObject>();
    for (const pod of this.#o.pods.list("Pod")) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (pod.metadata.deletionTimestamp || !(pod.spec as PodSpec | undefined)?.nodeName) continue;
      if (this.#rule(pod)) live.set(key, pod);
    }
    for (const [key, run] of this.#running) {
      if (live.get(key)?.metadata.uid !== run.uid) void this.#stop(key);
    }
    for (const [key, pod] of live) {
      if (!this.#running.has(key)) this.#start(key, pod);
    }
  }

  #rule(pod: KubeObject): RunImageRule | undefined {
    const image = (pod.spec as PodSpec | undefined)?.containers?.[0]?.image ?? "";
    return this.#o.rules.find((r) => image.startsWith(r.prefix));
  }

  #start(key: string, pod: KubeObject): void {
    const run: Running = {
      uid: pod.metadata.uid ?? "",
      ports: new Map(),
      child: undefined,
      lines: [],
      restarts: 0,
      timer: undefined,
    };
    this.#running.set(key, run);
    const declared = ((pod.spec as PodSpec).containers?.[0]?.ports ?? [])
      .map((p) => p.containerPort)
      .filter((p): p is number => typeof p === "number");
    Promise.all(declared.map(async (p) => run.ports.set(p, await freePort()))).then(
      () => {
        if (this.#running.get(key) === run && !this.#closed) this.#spawn(key, pod, run);
      },
      (err: unknown) => this.#append(run, `kube-simulator: no free host port: ${String(err)}`),
    );
  }

  #spawn(key: string, pod: KubeObject, run: Running): void {
    const rule = this.#rule(pod);
    const container = (pod.spec as PodSpec).containers?.[0];
    if (!rule || !container) return;
    const [program, ...lead] = rule.command;
    if (!program) return;
    let env: Record<string, string>;
    try {
      env = this.#env(pod.metadata.namespace ?? "default", container.env ?? []);
    } catch (err) {
      // The kubelet reports CreateContainerConfigError and retries; so do we.
      this.#append(run, `kube-simulator: ${(err as Error).message}`);
      run.timer = setTimeout(() => this.#respawn(key, run), this.#o.restartDelayMs ?? 1_000);
      return;
    }
    const args = (container.args ?? []).map((arg) => {
      const port = /:(\d+)$/.exec(arg)?.[1];
      const mapped = port ? run.ports.get(Number(port)) : undefined;
      return mapped === undefined ? arg : `${arg.slice(0, -port!.length)}${mapped}`;
    });
    // Tied to the simulator: a killed simulator (its node gone) takes its
    // containers with it instead of leaving agents running under PID 1.
    const child = spawnTied(program, [...lead, ...args], {
      cwd: this.#o.cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    run.child = child;
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line) this.#append(run, line);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.on("error", (err) =>
      this.#append(run, `kube-simulator: cannot start ${program}: ${err.message}`),
    );
    child.on("exit", () => {
      if (run.child !== child) return;
      run.child = undefined;
      if (this.#closed || this.#running.get(key) !== run) return;
      run.restarts++;
      run.timer = setTimeout(() => this.#respawn(key, run), this.#o.restartDelayMs ?? 1_000);
    });
  }

  #respawn(key: string, run: Running): void {
    run.timer = undefined;
    if (this.#closed || this.#running.get(key) !== run) return;
    const [namespace, name] = key.split("/") as [string, string];
    const pod = this.#o.pods.get("Pod", namespace, name);
    if (pod && pod.metadata.uid === run.uid) this.#spawn(key, pod, run);
  }

  #append(run: Running, line: string): void {
    run.lines.push(line);
    if (run.lines.length > maxLogLines) run.lines.splice(0, run.lines.length - maxLogLines);
  }

  /** The container's environment as the kubelet builds it, with KUBECONFIG in place of the service-account mount. */
  #env(namespace: string, vars: readonly EnvVar[]): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      KUBECONFIG: this.#o.kubeconfigPath,
    };
    for (const v of vars) {
      if (v.value !== undefined) env[v.name] = v.value;
      const ref = v.valueFrom?.secretKeyRef;
      if (!ref) continue;
      const secret = this.#o.pods.get("Secret", namespace, ref.name);
      const data = (secret as { data?: Record<string, string> } | undefined)?.data;
      const plain = (secret as { stringData?: Record<string, string> } | undefined)?.stringData;
      const value =
        data?.[ref.key] !== undefined
          ? Buffer.from(data[ref.key] ?? "", "base64").toString("utf8")
          : plain?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new Error(`secret "${ref.name}" not found or has no key "${ref.key}"`);
      }
      env[v.name] = value;
    }
    return env;
  }

  #stop(key: string): Promise<void> {
    const run = this.#running.get(key);
    this.#running.delete(key);
    if (!run) return Promise.resolve();
    clearTimeout(run.timer);
    const child = run.child;
    run.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.once("exit", () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: {
      readonly name: string;
      readonly key: string;
      readonly optional?: boolean;
    };
  };
}

interface PodSpec {
  readonly nodeName?: string;
  readonly containers?: readonly {
    readonly image?: string;
    readonly args?: readonly string[];
    readonly ports?: readonly { readonly containerPort?: number }[];
    readonly env?: readonly EnvVar[];
  }[];
}

/** A port nothing listens on now, for a pod's containerPort. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Parses one `--run-image <image-prefix>=<command>` value. */
export function parseRunImage(value: string): RunImageRule {
  const eq = value.indexOf("=");
  const prefix = value.slice(0, eq).trim();
  const command = value
    .slice(eq + 1)
    .split(/\s+/)
    .filter(Boolean);
  if (eq <= 0 || !prefix || command.length === 0) {
    throw new Error(`--run-image must be <image-prefix>=<command>, got ${JSON.stringify(value)}`);
  }
  return { prefix, command };
}
