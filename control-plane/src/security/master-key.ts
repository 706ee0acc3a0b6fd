import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMasterKey } from "../config.js";

/** Where the master key comes from. */
export interface MasterKeySource {
  readonly masterKey: string | undefined;
  readonly dataDir: string;
}

/**
 * The key that encrypts secrets at rest and the hub's CA key. It comes from
 * `SO_MASTER_KEY` or, for the embedded store only (config enforces that), a
 * key file created beside the database on first start with mode 0600.
 */
export function loadMasterKey(source: MasterKeySource): { key: Buffer; created: boolean } {
  if (source.masterKey) return { key: decodeMasterKey(source.masterKey), created: false };
  const file = join(source.dataDir, "master.key");
  try {
    return { key: decodeMasterKey(readFileSync(file, "utf8").trim(), file), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(source.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  return { key, created: true };
}
