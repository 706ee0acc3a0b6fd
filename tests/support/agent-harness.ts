import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Agent, createAgent, loadAgentConfig } from "@smart-orchestrator/edge-agent";
import {
  type SimulatorHandle,
  type SimulatorOptions,
  simulatorKubeConfig,
  startSimulator,
} from "@smart-orchestrator/kube-simulator";
import { Backoff } from "@smart-orchestrator/shared";
import { testLogger } from "./hub-harness.js";

/** A real agent on a simulated cluster. */
export interface SimulatedAgent {
  readonly agent: Agent;
  readonly sim: SimulatorHandle;
  readonly stateDir: string;
  stop(): Promise<void>;
}

/** Starts the simulator and a real agent against it, joined to the hub at `hub`. */
export async function startSimulatedAgent(options: {
  hub: string;
  token?: string;
  caHash?: string;
  simulator?: SimulatorOptions;
  /** An already running simulator to use (and leave running on stop), e.g. across agent restarts. */
  sim?: SimulatorHandle;
  stateDir?: string;
  statsSource?: "kubelet" | "proxy";
  /** `host:port` for the agent's health endpoint. */
  healthListen?: string;
}): Promise<SimulatedAgent> {
  const ownSim = !options.sim;
  const sim = options.sim ?? (await startSimulator(options.simulator ?? {}));
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "so-agent-"));
  const argv = ["--hub", options.hub, "--state-dir", stateDir];
  if (options.token) argv.push("--token", options.token);
  argv.push(...(options.caHash ? ["--ca-hash", options.caHash] : ["--insecure"]));
  if (options.statsSource) argv.push("--stats-source", options.statsSource);
  if (options.healthListen) argv.push("--health-listen", options.healthListen);
  const agent = await createAgent({
    config: loadAgentConfig({}, argv),
    kubeConfig: simulatorKubeConfig(sim.url, sim.spec.name),
    log: testLogger("agent"),
    hostScope: "host",
    kubeletUrl: (node) => sim.kubeletUrl(node.metadata?.name ?? ""),
    debounceMs: 50,
    sampleEveryMs: 200,
    link: { backoff: new Backoff({ initialMs: 50, maxMs: 300 }), readDeadlineMs: 10_000 },
  });
  return {
    agent,
    sim,
    stateDir,
    async stop() {
      await agent.stop();
      if (ownSim) await sim.close();
    },
  };
}
