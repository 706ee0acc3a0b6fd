import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CredentialStore, SavedCredential } from "./credential-store.js";

/** Keeps the credential in `<stateDir>/credential.json`, mode 0600, written atomically. */
export class FileCredentialStore implements CredentialStore {
  readonly location: string;
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = stateDir;
    this.location = join(stateDir, "credential.json");
  }

  async load(): Promise<SavedCredential | undefined> {
    let text: string;
    try {
      text = await readFile(this.location, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<SavedCredential>;
    if (typeof parsed.clusterId !== "string" || typeof parsed.credential !== "string") {
      throw new Error(
        `${this.location} is not a saved credential; delete it to re-join with a token`,
      );
    }
    return { clusterId: parsed.clusterId, credential: parsed.credential };
  }

  async save(credential: SavedCredential): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    // Write then rename: a crash mid-write must not leave a torn credential file.
    const tmp = `${this.location}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(credential)}\n`, { mode: 0o600 });
    await rename(tmp, this.location);
  }
}
