import type { ObjectRef } from "./object-client.js";

/** What the agent remembers of one release between commands. */
export interface ReleaseRecord {
  readonly release: string;
  /** The newest revision started here; an older one is refused. */
  readonly revision: number;
  /** The kinds the last applied revision held, so prune lists only those. */
  readonly kinds: readonly Pick<ObjectRef, "apiVersion" | "kind">[];
  /** True after a Delete: the revision is kept so a late Apply of it is refused. */
  readonly deleted: boolean;
}

/**
 * The agent's memory of releases, by enabler id, bounded (least recently
 * used go first). Losing a record costs only speed: the engine rebuilds it
 * by scanning the cluster for the release's labels, and the revision from
 * the objects' revision annotation. Issue 11 moves this into Secrets.
 */
export class ReleaseBook {
  readonly #records = new Map<string, ReleaseRecord>();
  readonly #max: number;

  constructor(max = 2000) {
    this.#max = max;
  }

  /** The record of an enabler, if remembered. */
  get(enablerId: string): ReleaseRecord | undefined {
    const r = this.#records.get(enablerId);
    if (r) {
      this.#records.delete(enablerId);
      this.#records.set(enablerId, r);
    }
    return r;
  }

  /** Remembers (or replaces) an enabler's record. */
  set(enablerId: string, record: ReleaseRecord): void {
    this.#records.delete(enablerId);
    this.#records.set(enablerId, record);
    while (this.#records.size > this.#max) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  /** How many releases are remembered. */
  get size(): number {
    return this.#records.size;
  }
}
