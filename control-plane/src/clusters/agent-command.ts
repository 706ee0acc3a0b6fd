import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * The agent program for credential clusters: the bundled agent through its
 * launcher (`edge-agent/bin/edge-agent`, `npm run build:agent`), the same
 * program and V8 flags a cluster runs. When the bundle is missing, or older
 * than the agent's sources (a checkout edited since the last build), the
 * sources run through tsx instead, and `reason` says why. Spawning is a
 * process boundary, not an import, so control-plane and edge-agent stay
 * independent; SO_AGENT_COMMAND points elsewhere.
 */
export function defaultAgentCommand(): { command: string[]; reason?: string } {
  const launcher = join(root, "edge-agent", "bin", "edge-agent");
  const bundle = join(root, "edge-agent", "dist", "edge-agent.mjs");
  const sources = ["edge-agent/src", "shared/src"].map((d) => join(root, d));
  let reason: string | undefined;
  if (!existsSync(bundle)) reason = "the agent bundle is not built (npm run build:agent)";
  else if (newestMtime(sources) > statSync(bundle).mtimeMs)
    reason = "the agent bundle is older than its sources (npm run build:agent)";
  if (!reason) return { command: [launcher] };
  let tsx = "tsx";
  try {
    tsx = import.meta.resolve("tsx");
  } catch {
    // Fall back to resolving from the working directory.
  }
  const main = join(root, "edge-agent", "src", "main.ts");
  return { command: [process.execPath, "--import", tsx, main], reason };
}

function newestMtime(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts"))
        continue;
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}
