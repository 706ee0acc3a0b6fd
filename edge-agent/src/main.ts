import { KubeConfig } from "@kubernetes/client-node";
import { AppError, createLogger } from "@smart-orchestrator/shared";
import { createAgent } from "./agent.js";
import { agentConfigHelp, loadAgentConfig } from "./config.js";
import { readManagedBootstrap } from "./managed-bootstrap.js";
import { MemoryCredentialStore } from "./state/memory-credential-store.js";

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
const log = createLogger({ name: "edge-agent", level: config.logLevel });
if (process.argv.some((arg) => arg === "--token" || arg.startsWith("--token="))) {
  log.warn(
    "--token is visible to every user in ps; pass the join token in SO_TOKEN or --token-file",
  );
}

let kubeConfig: KubeConfig;
// A managed agent gets its kubeconfig and credential on stdin from the control plane.
const bootstrap = config.managed ? await readManagedBootstrap(process.stdin) : undefined;
if (bootstrap) {
  kubeConfig = new KubeConfig();
  // Only the checked inline fields reach client-node: nothing it could run or read.
  kubeConfig.loadFromOptions(bootstrap.kubeconfig);
} else {
  kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
}

const agent = await createAgent({
  config,
  kubeConfig,
  log,
  // In a pod the host figures are the agent's own health; beside the node they describe the machine.
  hostScope: bootstrap ? "none" : config.kubeconfig ? "host" : "agent-pod",
  ...(bootstrap
    ? {
        credentials: new MemoryCredentialStore({
          clusterId: bootstrap.clusterId,
          credential: bootstrap.credential,
        }),
      }
    : {}),
});

let stopping = false;
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
