import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Agent, createAgent, loadAgentConfig } from "@smart-orchestrator/edge-agent";
import {
  type SimulatorHandle,
  simulatorKubeConfig,
  simulatorKubeConfigObject,
} from "@smart-orchestrator/kube-simulator";
import { Backoff } from "@smart-orchestrator/shared";
import { testLogger } from "./hub-harness.js";

/** A real agent whose drift repair runs when the test says so (no timer), on a simulator. */
export interface RepairableAgent {
  readonly agent: Agent;
  readonly stateDir: string;
  /** One drift-repair pass, as the interval would run it; resolves when it is done. */
  repair(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real agent against `sim`, joined to the hub at `hub` (plaintext),
 * keeping its credential and desired state in `stateDir`. Its repair timer
 * never fires by itself: tests call `repair()`, so they wait for the repair,
 * never for an interval.
 */
export async function startRepairableAgent(options: {
  hub: string;
  sim: SimulatorHandle;
  token?: string;
  stateDir?: string;
}): Promise<RepairableAgent> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "so-agent-"));
  const argv = ["--hub", options.hub, "--state-dir", stateDir, "--insecure"];
  if (options.token) argv.push("--token", options.token);
  const agent = await createAgent({
    config: loadAgentConfig({}, argv),
    kubeConfig: simulatorKubeConfig(options.sim.url, options.sim.spec.name),
    log: testLogger("agent"),
    hostScope: "none",
    debounceMs: 50,
    link: { backoff: new Backoff({ initialMs: 50, maxMs: 300 }), readDeadlineMs: 10_000 },
    repairEvery: () => () => undefined,
  });
  return {
    agent,
    stateDir,
    repair: () => agent.repairer.sweep(),
    stop: () => agent.stop(),
  };
}

/** A state directory holding only the credential of `from`: an agent that lost its desired state. */
export function credentialOnly(from: string): string {
  const dir = mkdtempSync(join(tmpdir(), "so-agent-"));
  copyFileSync(join(from, "credential.json"), join(dir, "credential.json"));
  chmodSync(join(dir, "credential.json"), 0o600);
  return dir;
}

/** Runs the real kubectl against `sim` (as a person would); resolves with its stdout. */
export async function kubectlOn(
  kubectl: string,
  sim: SimulatorHandle,
  args: readonly string[],
  stdin?: string,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "so-kubectl-"));
  const file = join(dir, "kubeconfig.json");
  writeFileSync(file, JSON.stringify(simulatorKubeConfigObject(sim.url, sim.spec.name)), {
    mode: 0o600,
  });
  const run = promisify(execFile);
  if (stdin === undefined) return (await run(kubectl, ["--kubeconfig", file, ...args])).stdout;
  // Async: the simulator answers kubectl from this very process.
  return new Promise((resolve, reject) => {
    const child = execFile(kubectl, ["--kubeconfig", file, ...args], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin?.end(stdin);
  });
}
