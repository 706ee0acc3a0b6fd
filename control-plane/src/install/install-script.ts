import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The agent installer as served at `/install/agent.sh`, and the digest the join command pins. */
export interface InstallScript {
  /** The script's bytes, exactly as served. */
  readonly body: Buffer;
  /** Hex sha256 of {@link body}; the one-liner refuses any other file. */
  readonly sha256: string;
  /** The agent bundle host mode downloads from `/install/edge-agent.mjs`, when this control plane has one. */
  readonly bundle: Buffer | undefined;
}

/**
 * The nearest `relative` above `from` (this module by default), so the
 * sources and the bundle in `control-plane/dist` find the same files. The
 * paths come from the build, never from a request.
 */
export function findAbove(
  relative: string,
  from: string = import.meta.dirname,
): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** What the served script is made from. */
export interface InstallScriptSource {
  /** `install/agent.sh`; found above this module when absent. */
  readonly scriptPath?: string;
  /** The agent bundle (`npm run build:agent`); found above this module when absent, optional. */
  readonly bundlePath?: string;
  /** Base URL of this control plane's REST API, written into the script for host mode. */
  readonly publicUrl: string;
}

/**
 * Reads the installer once at start and fills in the two values host mode
 * needs: this control plane's URL and the agent bundle's sha256. The digest
 * is taken over the bytes that are served, so the checksum in every join
 * command covers those values too.
 */
export function loadInstallScript(source: InstallScriptSource): InstallScript {
  const scriptPath = source.scriptPath ?? findAbove(join("install", "agent.sh"));
  if (!scriptPath) throw new Error("install/agent.sh not found above the control plane's code");
  const bundlePath = source.bundlePath ?? findAbove(join("edge-agent", "dist", "edge-agent.mjs"));
  const bundle = bundlePath && existsSync(bundlePath) ? readFileSync(bundlePath) : undefined;
  const bundleSha = bundle ? createHash("sha256").update(bundle).digest("hex") : "";
  const url = source.publicUrl.replace(/\/+$/, "");
  if (!/^https?:\/\/[^\s"'`$\\]+$/.test(url))
    throw new Error(`public URL "${url}" cannot go into the installer`);
  const text = readFileSync(scriptPath, "utf8")
    .replace(/^so_public_url=""$/m, `so_public_url="${url}"`)
    .replace(/^so_bundle_sha256=""$/m, `so_bundle_sha256="${bundleSha}"`);
  const body = Buffer.from(text);
  return { body, sha256: createHash("sha256").update(body).digest("hex"), bundle };
}
