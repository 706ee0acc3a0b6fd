/**
 * Starts `kube-simulator` as a child process, the way a user would run it,
 * and waits for the URL it prints. Tests, benchmarks and the demo use this to
 * give a real agent (or kubectl, or helm) a `--kubeconfig`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { spawnTied } from "./tied-spawn.js";

const main = join(import.meta.dirname, "main.ts");
// Resolved here, so the child finds tsx whatever its working directory.
const tsx = import.meta.resolve("tsx");

/** Options for {@link startSimulatorProcess}. */
export interface SimulatorProcessOptions {
  /** The `--cluster` spec. */
  readonly cluster: string;
  /** `--port` (default: any free port). */
  readonly port?: number;
  /** `--kubeconfig` file (default: a fresh file under the OS temp folder). */
  readonly kubeconfig?: string;
  /** Extra arguments after the ones above. */
  readonly args?: readonly string[];
  /** Where the child's stderr goes (default: discarded). */
  readonly stderr?: "inherit" | "ignore";
  /**
   * SIGKILL the simulator when this process dies (default true), so a
   * crashed or timed-out test worker, bench or demo leaves no simulator (and
   * none of its `--run-image` pods) behind. False for one that must outlive
   * the process that started it.
   */
  readonly diesWithParent?: boolean;
  /** How long to wait for the URL (default 120 s: tsx compiles on a cold machine, and the full suite loads both cores). */
  readonly startTimeoutMs?: number;
}

/** A running `kube-simulator` process. */
export interface SimulatorProcess {
  readonly url: string;
  /** The kubeconfig file it wrote for itself. */
  readonly kubeconfig: string;
  readonly child: ChildProcess;
  /** SIGTERM, then waits for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `node --import tsx kube-simulator/src/main.ts ...` and resolves once it prints its URL. */
export async function startSimulatorProcess(
  options: SimulatorProcessOptions,
): Promise<SimulatorProcess> {
  const kubeconfig =
    options.kubeconfig ?? join(mkdtempSync(join(tmpdir(), "kube-simulator-")), "kubeconfig");
  const args = ["--cluster", options.cluster, "--kubeconfig", kubeconfig];
  if (options.port !== undefined) args.push("--port", String(options.port));
  args.push(...(options.args ?? []));
  const start = options.diesWithParent === false ? spawn : spawnTied;
  const child = start(process.execPath, ["--import", tsx, main, ...args], {
    stdio: ["ignore", "pipe", options.stderr ?? "ignore"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let url: string;
  try {
    url = await firstLine(child, options.startTimeoutMs ?? 120_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    url,
    kubeconfig,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(
      () => reject(new Error(`kube-simulator printed no URL within ${timeoutMs} ms`)),
      timeoutMs,
    );
    lines.once("line", (line) => {
      clearTimeout(timer);
      child.removeListener("exit", onExit);
      resolve(line.trim());
    });
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`kube-simulator exited with ${code} before printing its URL`));
    };
    child.once("exit", onExit);
  });
}
