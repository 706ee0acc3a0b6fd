import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { type Collection, updateWithRetry } from "../store/store.js";
import type { ChartIndex } from "./chart-index.js";
import type { RepoIndexDoc, RepoIndexPartDoc } from "./repo-doc.js";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A repository's parsed index and its `GET /repos/charts/:id` body, ready to send. */
export interface CachedIndex {
  readonly index: ChartIndex;
  /** Serialised once per index: the listing of a large repo is then a memory copy. */
  readonly chartsJson: string;
}

/** What a {@link RepoIndexCache} stores into. */
export interface RepoIndexCacheDeps {
  readonly docs: Collection<RepoIndexDoc>;
  readonly parts: Collection<RepoIndexPartDoc>;
  readonly now: () => Date;
  /**
   * Largest piece of base64 per document. 8 MiB keeps every document well
   * under MongoDB's 16 MiB limit; tests pass a small value.
   */
  readonly partChars?: number;
}

/**
 * Parsed indexes: in memory for speed, in the store (gzipped JSON) so that a
 * restart, or another replica, serves charts without re-fetching or re-parsing.
 */
export class RepoIndexCache {
  readonly #docs: Collection<RepoIndexDoc>;
  readonly #parts: Collection<RepoIndexPartDoc>;
  readonly #now: () => Date;
  readonly #partChars: number;
  readonly #memory = new Map<string, CachedIndex>();
  readonly #loading = new Map<string, Promise<CachedIndex | undefined>>();

  constructor(deps: RepoIndexCacheDeps) {
    this.#docs = deps.docs;
    this.#parts = deps.parts;
    this.#now = deps.now;
    this.#partChars = deps.partChars ?? 8 * 1024 * 1024;
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

  /**
   * Stores a fresh index (store first, so memory never holds what the store
   * lacks). Pieces beyond the first are written before the document that
   * names them, and the previous generation's pieces are deleted after it,
   * so a reader never finds a document whose pieces are missing for good.
   */
  async put(repoId: string, index: ChartIndex): Promise<void> {
    const data = (await gzipAsync(JSON.stringify(index))).toString("base64");
    const pieces: string[] = [];
    for (let at = 0; at < data.length || at === 0; at += this.#partChars) {
      pieces.push(data.slice(at, at + this.#partChars));
    }
    const generation = randomUUID();
    for (let n = 1; n < pieces.length; n++) {
      await this.#parts.insert({
        _id: partId(repoId, generation, n),
        repoId,
        generation,
        data: pieces[n] as string,
      });
    }
    const next = {
      _id: repoId,
      format: "chart-index+json+gzip/v1" as const,
      data: pieces[0] as string,
      ...(pieces.length > 1 ? { parts: pieces.length, generation } : {}),
      updatedAt: this.#now().toISOString(),
    };
    let previous: string | undefined;
    const updated = await updateWithRetry(this.#docs, repoId, (current) => {
      previous = current.generation;
      return next;
    });
    if (!updated) await this.#docs.insert(next);
    if (previous !== undefined) await this.#parts.deleteMany({ repoId, generation: previous });
    this.#memory.set(repoId, cached(index));
  }

  /** Forgets a repository's index everywhere. */
  async remove(repoId: string): Promise<void> {
    this.#memory.delete(repoId);
    await this.#docs.delete(repoId);
    await this.#parts.deleteMany({ repoId });
  }

  async #load(repoId: string): Promise<CachedIndex | undefined> {
    // A concurrent put may delete the pieces we are about to read; the
    // document then names a newer generation, so read again.
    for (let attempt = 0; ; attempt++) {
      const doc = await this.#docs.get(repoId);
      if (!doc) return undefined;
      const data = await this.#assemble(doc);
      if (data === undefined) {
        if (attempt < 3) continue;
        throw new Error(
          `repo_indexes/${repoId}: pieces of generation ${doc.generation} are missing`,
        );
      }
      const json = (await gunzipAsync(Buffer.from(data, "base64"))).toString("utf8");
      const entry = cached(JSON.parse(json) as ChartIndex);
      this.#memory.set(repoId, entry);
      return entry;
    }
  }

  /** The whole base64 text of a stored index, or undefined if a piece is gone. */
  async #assemble(doc: RepoIndexDoc): Promise<string | undefined> {
    const parts = doc.parts ?? 1;
    if (parts <= 1 || doc.generation === undefined) return doc.data;
    const pieces = [doc.data];
    for (let n = 1; n < parts; n++) {
      const piece = await this.#parts.get(partId(doc._id, doc.generation, n));
      if (!piece) return undefined;
      pieces.push(piece.data);
    }
    return pieces.join("");
  }
}

function partId(repoId: string, generation: string, n: number): string {
  return `${repoId}/${generation}/${n}`;
}

function cached(index: ChartIndex): CachedIndex {
  const view = index.charts.map((c) => ({
    name: c.name,
    description: c.versions[0]?.description ?? "",
    versions: c.versions.map((v) => v.version),
  }));
  return { index, chartsJson: JSON.stringify(view) };
}
