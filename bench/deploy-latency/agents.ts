// Child process of bench/deploy-latency: one simulated cluster (workloads ready
// at once) and one real agent per join token, all joined to the hub given in
// the environment. Prints "ready" once every agent is running; stops on SIGTERM.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAgent, loadAgentConfig } from "@smart-orchestrator/edge-agent";
import { simulatorKubeConfig, startSimulator } from "@smart-orchestrator/kube-simulator";
import { createLogger } from "@smart-orchestrator/shared";

const hub = process.env.BENCH_HUB ?? "";
const tokens = (process.env.BENCH_TOKENS ?? "").split(",").filter(Boolean);
const log = createLogger({ name: "bench-agent", level: "silent" });
const stops: Array<() => Promise<void>> = [];

for (const [i, token] of tokens.entries()) {
  const sim = await startSimulator({
    cluster: `name=bench-${i},nodes=2,cpu=32,memory=64Gi`,
    readyDelayMs: 0,
  });
  const stateDir = mkdtempSync(join(tmpdir(), "so-bench-agent-"));
  const agent = await createAgent({
    config: loadAgentConfig({}, [
      "--hub",
      hub,
      "--token",
      token,
      "--insecure",
      "--state-dir",
      stateDir,
    ]),
    kubeConfig: simulatorKubeConfig(sim.url, sim.spec.name),
    log,
    // The host figures are the same machine twenty times over: skip sampling them.
    hostScope: "none",
    kubeletUrl: (node) => sim.kubeletUrl(node.metadata?.name ?? ""),
  });
  stops.push(async () => {
    await agent.stop();
    await sim.close();
  });
}
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void Promise.all(stops.map((s) => s())).finally(() => process.exit(0));
});
