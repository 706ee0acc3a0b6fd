import { gunzipSync, gzipSync } from "node:zlib";
import type { KubeObject } from "../charts/manifest-renderer.js";
import type { Collection, NewDoc, StoredDoc } from "../store/store.js";
import type { RevisionSummary } from "./enabler-doc.js";
import type { BuiltRelease } from "./release-builder.js";

/**
 * One stored revision of an enabler, `<enablerId>/<n>`: the rendered
 * objects, gzipped, exactly as they go to the agent. Written once, before
 * the enabler document points at it, and never rendered again (charts make
 * random names, so a second render would be a different release).
 */
export interface RevisionDoc extends StoredDoc {
  readonly enablerId: string;
  readonly revision: number;
  readonly chart?: string;
  readonly version?: string;
  readonly valuesDigest: string;
  readonly objectCount: number;
  /** Size of the objects as JSON, before gzip. */
  readonly renderedBytes: number;
  /** The objects as gzipped JSON, base64 (the store holds JSON documents). */
  readonly objectsGz: string;
  readonly createdAt: string;
}

/** Name of the revisions collection. */
export const revisionCollectionName = "enabler_revisions";

/** A rendered release, packed for storage and for the Apply command. */
export interface PackedObjects {
  readonly gz: Buffer;
  readonly renderedBytes: number;
  readonly objectCount: number;
}

/** Gzips the objects' JSON. */
export function packObjects(objects: readonly KubeObject[]): PackedObjects {
  const json = Buffer.from(JSON.stringify(objects));
  return { gz: gzipSync(json), renderedBytes: json.length, objectCount: objects.length };
}

/** The objects back from their gzipped JSON. */
export function unpackObjects(gz: Buffer): KubeObject[] {
  return JSON.parse(gunzipSync(gz).toString("utf8")) as KubeObject[];
}

/** The id of revision `n` of an enabler. */
export function revisionId(enablerId: string, revision: number): string {
  return `${enablerId}/${revision}`;
}

/** Owns every write to revision documents. */
export class RevisionStore {
  readonly #docs: Collection<RevisionDoc>;

  constructor(docs: Collection<RevisionDoc>) {
    this.#docs = docs;
  }

  /** Stores a new revision (the first half of the outbox pair). */
  async write(rev: Omit<NewDoc<RevisionDoc>, "_id" | "objectsGz"> & { gz: Buffer }): Promise<void> {
    const { gz, ...rest } = rev;
    await this.#docs.insert({
      _id: revisionId(rev.enablerId, rev.revision),
      ...rest,
      objectsGz: gz.toString("base64"),
    });
  }

  /**
   * Stores a built release as revision `revision` of an enabler and returns
   * the summary its enabler document keeps (the document write that follows
   * completes the outbox pair).
   */
  async record(
    enablerId: string,
    revision: number,
    built: BuiltRelease,
    createdAt: Date,
  ): Promise<RevisionSummary> {
    const summary: RevisionSummary = {
      revision,
      ...(built.chart ? { chart: built.chart } : {}),
      ...(built.version ? { version: built.version } : {}),
      valuesDigest: built.valuesDigest,
      objectCount: built.packed.objectCount,
      ...(built.testHooks ? { testHooks: built.testHooks } : {}),
      createdAt: createdAt.toISOString(),
    };
    await this.write({
      enablerId,
      ...summary,
      renderedBytes: built.packed.renderedBytes,
      gz: built.packed.gz,
    });
    return summary;
  }

  /**
   * A stored revision back as a built release, or undefined when it is
   * gone. Stored objects are reused as they are, never rendered again.
   */
  async reload(enablerId: string, summary: RevisionSummary): Promise<BuiltRelease | undefined> {
    const gz = await this.objectsGz(enablerId, summary.revision);
    if (!gz) return undefined;
    return {
      packed: { gz, renderedBytes: gunzipSync(gz).length, objectCount: summary.objectCount },
      valuesDigest: summary.valuesDigest,
      ...(summary.testHooks ? { testHooks: summary.testHooks } : {}),
    };
  }

  /** The gzipped objects of a revision, or undefined when it is gone. */
  async objectsGz(enablerId: string, revision: number): Promise<Buffer | undefined> {
    const doc = await this.#docs.get(revisionId(enablerId, revision));
    return doc ? Buffer.from(doc.objectsGz, "base64") : undefined;
  }

  /** Removes an enabler's revisions once its record is gone. */
  async removeAll(enablerId: string): Promise<number> {
    return this.#docs.deleteMany({ enablerId });
  }

  /**
   * Removes a revision written by a request that then failed to record it
   * on the enabler (so it would never be applied).
   */
  async discard(enablerId: string, revision: number): Promise<void> {
    await this.#docs.delete(revisionId(enablerId, revision));
  }
}
