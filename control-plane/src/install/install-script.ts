import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The agent installer as served at `/install/agent.sh`, and the digest the join command pins. */
export interface InstallScript {
  /** The script's bytes, exactly as served. */
  readonly body: Buffer;
  /** Hex sha256 of {@link body}; the one-liner refuses any other file. */
  readonly sha256: string;
}

/**
 * Where the repository (and the control-plane image) keeps the installer:
 * `install/agent.sh` in the nearest folder above this module that has one, so
 * the sources and the bundle in `control-plane/dist` find the same file.
 */
export function findInstallScript(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "install", "agent.sh");
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`install/agent.sh not found above ${from}`);
  }
}

/**
 * Reads the installer once at start. The path comes from the build, never
 * from a request. The digest is taken over the bytes that are served, so the
 * checksum in every join command matches what `GET /install/agent.sh` sends.
 */
export function loadInstallScript(path: string = findInstallScript()): InstallScript {
  const body = readFileSync(path);
  return { body, sha256: createHash("sha256").update(body).digest("hex") };
}
