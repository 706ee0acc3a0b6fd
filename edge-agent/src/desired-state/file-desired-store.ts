import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type DesiredRelease,
  type DesiredStateStore,
  decodeDesired,
  enablerKey,
  encodeDesired,
} from "./desired-release.js";

/**
 * Host mode: one gzipped JSON file per release in `<stateDir>/releases/`,
 * mode 0600 (hooks and objects may hold Secrets), written atomically.
 */
export class FileDesiredStore implements DesiredStateStore {
  readonly location: string;

  constructor(stateDir: string) {
    this.location = join(stateDir, "releases");
  }

  async save(release: DesiredRelease): Promise<void> {
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    const path = this.#path(release.enablerId);
    // Write then rename: a crash mid-write leaves the previous revision, never a torn file.
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, encodeDesired(release), { mode: 0o600 });
    await rename(tmp, path);
  }

  async remove(enablerId: string): Promise<void> {
    await rm(this.#path(enablerId), { force: true });
  }

  async loadAll(): Promise<{ releases: DesiredRelease[]; damaged: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { releases: [], damaged: [] };
      throw err;
    }
    const releases: DesiredRelease[] = [];
    const damaged: string[] = [];
    for (const name of names.filter((n) => n.endsWith(".json.gz")).sort()) {
      try {
        releases.push(decodeDesired(await readFile(join(this.location, name))));
      } catch (err) {
        damaged.push(`${join(this.location, name)}: ${(err as Error).message}`);
      }
    }
    return { releases, damaged };
  }

  #path(enablerId: string): string {
    return join(this.location, `${enablerKey(enablerId)}.json.gz`);
  }
}
