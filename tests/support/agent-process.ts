import { type ChildProcess, execFileSync, type SpawnOptions } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type SimulatorHandle,
  simulatorKubeConfigObject,
  startSimulator,
} from "@smart-orchestrator/kube-simulator";
import type { ExecutionContext } from "ava";
import { type HubHarness, startHub } from "./hub-harness.js";
import { spawnTied } from "./tied-spawn.js";

const root = join(import.meta.dirname, "..", "..");

/**
 * Builds the shipped agent (the esbuild bundle and edge-agent/bin/edge-agent
 * with its V8 flags) into `dir`, as a release would lay it out, and returns
 * the launcher's path. Built into the test's own folder so that no earlier
 * build step is needed.
 */
export function buildShippedAgent(dir: string): string {
  execFileSync(process.execPath, [
    join(root, "scripts", "build-agent.mjs"),
    "--outdir",
    join(dir, "dist"),
  ]);
  mkdirSync(join(dir, "bin"));
  const launcher = join(dir, "bin", "edge-agent");
  copyFileSync(join(root, "edge-agent", "bin", "edge-agent"), launcher);
  return launcher;
}

/** What an agent process joins: a simulated cluster and a TLS control plane that registered it. */
export interface JoinTarget {
  readonly sim: SimulatorHandle;
  readonly hub: HubHarness;
  /** The cluster's id and join token. */
  readonly uid: string;
  readonly token: string;
  /** A kubeconfig file for the simulated cluster, for the agent's `--kubeconfig`. */
  readonly kubeconfig: string;
}

/**
 * Starts a simulated cluster (`name=<cluster>,<simulator>`) and a control
 * plane with that cluster registered, and writes the kubeconfig an agent
 * process reads into `dir`. Both are stopped with the test.
 */
export async function startJoinTarget(
  t: ExecutionContext,
  o: { cluster: string; simulator: string; dir: string },
): Promise<JoinTarget> {
  const sim = await startSimulator({ cluster: `name=${o.cluster},${o.simulator}` });
  t.teardown(() => sim.close());
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster(o.cluster);
  const kubeconfig = join(o.dir, `${o.cluster}.kubeconfig`);
  writeFileSync(kubeconfig, JSON.stringify(simulatorKubeConfigObject(sim.url, o.cluster)));
  return { sim, hub, uid, token, kubeconfig };
}

/** An agent process whose stderr is kept, to show why it failed. */
export interface AgentProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Its exit code, once it exits. */
  readonly exited: Promise<number | null>;
}

/**
 * Spawns an agent (tied to this process, see {@link spawnTied}) with stdout
 * ignored and stderr collected; it is SIGKILLed with the test in case the
 * test ends before it does.
 */
export function spawnAgent(
  t: ExecutionContext,
  command: string,
  args: readonly string[],
  options: Omit<SpawnOptions, "stdio"> = {},
): AgentProcess {
  const child = spawnTied(command, args, { ...options, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  t.teardown(() => {
    child.kill("SIGKILL");
  });
  return { child, stderr: () => stderr, exited };
}
