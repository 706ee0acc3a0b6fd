import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type {
  AgentRequest,
  AgentSeat,
  AgentTick,
  HubEvent,
  HubRequest,
  HubStats,
} from "./protocol.js";

const here = fileURLToPath(new URL(".", import.meta.url));
type Ask = HubRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** The hub child: a real control plane in its own process. */
export class HubChild {
  readonly proc: ChildProcess;
  readonly ready: Promise<Extract<HubEvent, { type: "ready" }>>;
  readonly exited: Promise<void>;
  #next = 0;
  readonly #waiting = new Map<number, (m: Extract<HubEvent, { type: "reply" }>) => void>();

  constructor(options: { dataDir: string; grpcPort: number; tls: boolean; seedN?: number }) {
    this.proc = fork(`${here}/hub-process.ts`, [], {
      execArgv: ["--import", "tsx"],
      env: {
        ...process.env,
        BENCH_DATA_DIR: options.dataDir,
        BENCH_GRPC_PORT: String(options.grpcPort),
        BENCH_TLS: options.tls ? "1" : "0",
        BENCH_SEED_N: String(options.seedN ?? 0),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.exited = new Promise((resolve) => this.proc.once("exit", () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.proc.once("exit", (code) => reject(new Error(`hub exited early (${code})`)));
      this.proc.on("message", (m: HubEvent) => {
        if (m.type === "ready") resolve(m);
        else {
          this.#waiting.get(m.id)?.(m);
          this.#waiting.delete(m.id);
        }
      });
    });
    this.ready.catch(() => {});
  }

  /** Sends a request and waits for its reply. */
  ask(request: Ask): Promise<Extract<HubEvent, { type: "reply" }>> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      this.proc.send({ ...request, id } as HubRequest);
    });
  }

  async stats(withHistogram = false): Promise<HubStats> {
    const r = await this.ask({ type: "stats", withHistogram });
    if (!r.stats) throw new Error("no stats");
    return r.stats;
  }
}

/** A child process holding a slice of the simulated agents. */
export class AgentChild {
  readonly proc: ChildProcess;
  last: AgentTick | undefined;

  constructor() {
    this.proc = fork(`${here}/agent-process.ts`, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.proc.on("message", (m: AgentTick) => {
      if (m.type === "tick") this.last = m;
    });
  }

  start(o: {
    hub: string;
    insecure: boolean;
    caHash: string | undefined;
    seats: AgentSeat[];
    ratePerSecond: number;
  }): void {
    this.proc.send({ type: "start", ...o } satisfies AgentRequest);
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.proc.once("exit", () => resolve()));
    this.proc.send({ type: "stop" } satisfies AgentRequest);
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 8000);
    await exited;
    clearTimeout(timer);
  }
}
