/**
 * Finds the real `helm` and `kubectl` that tests run (from `.tools/bin`, put
 * first on PATH by scripts/test.mjs), and checks they actually run here: the
 * binaries are linux x86-64, so on another machine a test must skip and say
 * why instead of failing or passing without them.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** A tool that runs here, or why not. */
export type RealTool =
  | { readonly ok: true; readonly path: string; readonly version: string }
  | { readonly ok: false; readonly reason: string };

const versionArgs = { helm: ["version", "--short"], kubectl: ["version", "--client"] };
const found = new Map<string, RealTool>();

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The real tool: helm from `HELM_BIN`, else `helm` on PATH; kubectl on PATH.
 * Checked once per process by running its version command.
 */
export function realTool(name: "helm" | "kubectl"): RealTool {
  const cached = found.get(name);
  if (cached) return cached;
  const fromEnv = name === "helm" ? process.env.HELM_BIN : undefined;
  const path = fromEnv || onPath(name);
  let tool: RealTool;
  if (!path) {
    tool = {
      ok: false,
      reason: `${name} not found (${name === "helm" ? "HELM_BIN unset, " : ""}not on PATH; run npm run tools)`,
    };
  } else {
    const r = spawnSync(path, versionArgs[name], { encoding: "utf8", timeout: 30_000 });
    tool =
      r.status === 0
        ? { ok: true, path, version: r.stdout.trim().split("\n")[0] ?? "" }
        : {
            ok: false,
            reason:
              `${path} does not run on ${process.platform}/${process.arch}` +
              ` (${r.error?.message ?? r.stderr.trim().split("\n")[0] ?? `exit ${r.status}`}); ` +
              "the binaries from npm run tools are linux x86-64",
          };
  }
  found.set(name, tool);
  return tool;
}
