import { fileURLToPath } from "node:url";

/**
 * The agent program for credential clusters: this repository's edge-agent,
 * run through tsx like everything else here. Spawning it is a process
 * boundary, not an import, so control-plane and edge-agent stay independent;
 * SO_AGENT_COMMAND points elsewhere (e.g. an installed `edge-agent` binary).
 */
export function defaultAgentCommand(): string[] {
  const main = fileURLToPath(new URL("../../../edge-agent/src/main.ts", import.meta.url));
  let tsx = "tsx";
  try {
    tsx = import.meta.resolve("tsx");
  } catch {
    // Fall back to resolving from the working directory.
  }
  return [process.execPath, "--import", tsx, main];
}
