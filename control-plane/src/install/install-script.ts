import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The agent installer as served at `/install/agent.sh`, and the digest the join command pins. */
export interface InstallScript {
  /** The script's bytes, exactly as served. */
  readonly body: Buffer;
  /** Hex sha256 of {@link body}; the one-liner refuses any other file. */
  readonly sha256: string;
}

/** Where the repository (and the control-plane image) keeps the installer. */
export const defaultInstallScriptPath = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "install",
  "agent.sh",
);

/**
 * Reads the installer once at start. The path comes from the build, never
 * from a request. The digest is taken over the bytes that are served, so the
 * checksum in every join command matches what `GET /install/agent.sh` sends.
 */
export function loadInstallScript(path: string = defaultInstallScriptPath): InstallScript {
  const body = readFileSync(path);
  return { body, sha256: createHash("sha256").update(body).digest("hex") };
}
