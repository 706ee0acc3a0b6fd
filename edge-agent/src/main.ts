import { KubeConfig } from "@kubernetes/client-node";
import { AppError, createLogger } from "@smart-orchestrator/shared";
import { createAgent } from "./agent.js";
import { agentConfigHelp, loadAgentConfig } from "./config.js";
import { managedEventWriter } from "./managed-events.js";
import { ManagedHost } from "./managed-host.js";

if (process.argv.includes("--help")) {
  process.stdout.write(
    `Usage: edge-agent [flags]\nFlags and environment variables:\n${agentConfigHelp()}\n`,
  );
  process.exit(0);
}

let config: ReturnType<typeof loadAgentConfig>;
try {
  config = loadAgentConfig(process.env, process.argv.slice(2));
} catch (err) {
  process.stderr.write(
    `invalid configuration: ${err instanceof AppError ? err.message : String(err)}\n`,
  );
  process.exit(2);
}
// Identical lines at most every 30 s: an agent that cannot reach its cluster repeats itself.
const log = createLogger({ name: "edge-agent", level: config.logLevel, repeatWindowMs: 30_000 });
if (process.argv.some((arg) => arg === "--token" || arg.startsWith("--token="))) {
  log.warn(
    "--token is visible to every user in ps; pass the join token in SO_TOKEN or --token-file",
  );
}

// A managed agent host serves every credential cluster of one control plane: commands on stdin.
if (config.managed) {
  const host = new ManagedHost({
    config,
    log,
    input: process.stdin,
    emit: managedEventWriter(log),
  });
  process.on("SIGTERM", () => process.stdin.destroy());
  process.on("SIGINT", () => process.stdin.destroy());
  await host.run();
  process.exit(0);
}

let stopping = false;
const kubeConfig = new KubeConfig();
if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
else kubeConfig.loadFromDefault();

const agent = await createAgent({
  config,
  kubeConfig,
  log,
  // In a pod the host figures are the agent's own health; beside the node they describe the machine.
  hostScope: config.kubeconfig ? "host" : "agent-pod",
  link: {
    onState: (state) => {
      // The hub refused the credential and no token is left: retrying would never succeed.
      if (state === "stopped" && agent.link.refused && !stopping) {
        stopping = true;
        void agent.stop().then(() => process.exit(3));
      }
    },
  },
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  });
}
