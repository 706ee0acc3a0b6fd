/**
 * Runs the real kubectl or helm against a `kube-simulator` process, for the
 * conformance suite. Each call gets the simulator's kubeconfig and a bounded
 * run time; stdout, stderr and the exit code come back for assertions.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionContext } from "ava";
import test from "ava";
import { realTool } from "../real-tools.js";
import { type SimulatorProcess, startSimulatorProcess } from "../simulator-process.js";

/** What a finished command printed. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A kubectl/helm runner bound to one simulator. */
export interface Client {
  readonly sim: SimulatorProcess;
  /** The kubectl binary, for tests that stream its output. */
  readonly kubectlPath: string;
  kubectl(args: readonly string[], stdin?: string): Promise<Run>;
  helm(args: readonly string[]): Promise<Run>;
  /** Writes a manifest to a temp file and returns its path. */
  file(name: string, text: string): string;
}

function exec(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, stdin?: string) {
  return new Promise<Run>((resolve) => {
    const child = execFile(
      bin,
      [...args],
      { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Starts a simulator process and returns a runner; stops it after the file's tests. */
export async function startClient(cluster: string, args: readonly string[] = []): Promise<Client> {
  const kubectl = realTool("kubectl");
  const helm = realTool("helm");
  const sim = await startSimulatorProcess({ cluster, args });
  test.after.always(() => sim.stop());
  const dir = mkdtempSync(join(tmpdir(), "conformance-"));
  const env = {
    ...process.env,
    KUBECONFIG: sim.kubeconfig,
    HOME: dir,
    HELM_CACHE_HOME: join(dir, "helm-cache"),
    HELM_CONFIG_HOME: join(dir, "helm-config"),
    HELM_DATA_HOME: join(dir, "helm-data"),
  };
  return {
    sim,
    kubectlPath: kubectl.ok ? kubectl.path : "kubectl",
    kubectl: (a, stdin) =>
      kubectl.ok ? exec(kubectl.path, a, env, stdin) : Promise.reject(new Error(kubectl.reason)),
    helm: (a) => (helm.ok ? exec(helm.path, a, env) : Promise.reject(new Error(helm.reason))),
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/**
 * `test.serial` when the tool runs here, else a visible skip saying why (the
 * binaries from npm run tools are linux x86-64).
 */
export function conformance(
  tool: "kubectl" | "helm",
): (title: string, body: (t: ExecutionContext) => Promise<void>) => void {
  const found = realTool(tool);
  return (title, body) => {
    if (found.ok) test.serial(title, body);
    else test.skip(`${title} (SKIPPED: ${found.reason})`, () => {});
  };
}

/** Fails the test with the command's output when it did not exit 0. */
export function ok(t: ExecutionContext, run: Run, what: string): string {
  if (run.code !== 0) t.fail(`${what} exited ${run.code}:\n${run.stderr}\n${run.stdout}`);
  return run.stdout;
}
