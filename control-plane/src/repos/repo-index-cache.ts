import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { type Collection, updateWithRetry } from "../store/store.js";
import type { ChartIndex } from "./chart-index.js";
import type { RepoIndexDoc } from "./repo-doc.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A repository's parsed index and its `GET /repos/charts/:id` body, ready to send. */
export interface CachedIndex {
  readonly index: ChartIndex;
  /** Serialised once per index: the listing of a large repo is then a memory copy. */
  readonly chartsJson: string;
}

/**
 * Parsed indexes: in memory for speed, in the store (gzipped JSON) so that a
 * restart, or another replica, serves charts without re-fetching or re-parsing.
 */
export class RepoIndexCache {
  readonly #docs: Collection<RepoIndexDoc>;
  readonly #now: () => Date;
  readonly #memory = new Map<string, CachedIndex>();
  readonly #loading = new Map<string, Promise<CachedIndex | undefined>>();

  constructor(docs: Collection<RepoIndexDoc>, now: () => Date) {
    this.#docs = docs;
    this.#now = now;
  }

  /** The index of a repository, loading it from the store on a miss. */
  get(repoId: string): Promise<CachedIndex | undefined> {
    const hit = this.#memory.get(repoId);
    if (hit) return Promise.resolve(hit);
    // One load per repo at a time: a burst of GETs after a restart decompresses once.
    let pending = this.#loading.get(repoId);
    if (!pending) {
      pending = this.#load(repoId).finally(() => this.#loading.delete(repoId));
      this.#loading.set(repoId, pending);
    }
    return pending;
  }

  /** Stores a fresh index (store first, so memory never holds what the store lacks). */
  async put(repoId: string, index: ChartIndex): Promise<void> {
    const json = JSON.stringify(index);
    const data = (await gzipAsync(json)).toString("base64");
    const doc = { _id: repoId, format: "chart-index+json+gzip/v1" as const, data };
    const next = { ...doc, updatedAt: this.#now().toISOString() };
    const updated = await updateWithRetry(this.#docs, repoId, () => next);
    if (!updated) await this.#docs.insert(next);
    this.#memory.set(repoId, cached(index));
  }

  /** Forgets a repository's index everywhere. */
  async remove(repoId: string): Promise<void> {
    this.#memory.delete(repoId);
    await this.#docs.delete(repoId);
  }

  async #load(repoId: string): Promise<CachedIndex | undefined> {
    const doc = await this.#docs.get(repoId);
    if (!doc) return undefined;
    const json = (await gunzipAsync(Buffer.from(doc.data, "base64"))).toString("utf8");
    const entry = cached(JSON.parse(json) as ChartIndex);
    this.#memory.set(repoId, entry);
    return entry;
  }
}

function cached(index: ChartIndex): CachedIndex {
  const view = index.charts.map((c) => ({
    name: c.name,
    description: c.versions[0]?.description ?? "",
    versions: c.versions.map((v) => v.version),
  }));
  return { index, chartsJson: JSON.stringify(view) };
}
