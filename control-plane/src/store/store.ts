/**
 * The document store the control plane keeps its state in. Two backends
 * implement it (embedded SQLite and MongoDB) and one contract suite tests
 * both. Every write that resolves has been made durable. Every change that
 * must be atomic is one document, so there are no transactions here.
 */

/** Fields every stored document carries. */
export interface StoredDoc {
  /** Primary key, chosen by the caller. */
  readonly _id: string;
  /** Optimistic-concurrency version: 1 on insert, +1 on every update. */
  readonly _v: number;
}

/** A document as handed to {@link Collection.insert}: everything but the version. */
export type NewDoc<T extends StoredDoc> = Omit<T, "_v">;

/**
 * Top-level fields to match by equality. Values must be strings, finite
 * numbers, booleans or `null` (which matches a missing field); anything else,
 * and any field name that is not a plain identifier, is `invalid_argument`.
 */
export type Filter<T> = { readonly [K in keyof T]?: T[K] | null };

/** A unique index on one top-level field. */
export interface UniqueIndex {
  readonly field: string;
  /**
   * Documents without the field are never indexed, so any number may lack it
   * (both backends); kept for callers that state the intent.
   */
  readonly sparse?: boolean;
}

/** Options for {@link Store.collection}. */
export interface CollectionOptions {
  readonly unique?: readonly UniqueIndex[];
}

/** Options for {@link Collection.find}. */
export interface FindOptions<T> {
  /** Sort ascending by this top-level field (ties by `_id`); by `_id` otherwise. */
  readonly sortBy?: keyof T & string;
  /** At most this many rows; 0 or a negative limit returns none. */
  readonly limit?: number;
}

/** One named collection of JSON documents. */
export interface Collection<T extends StoredDoc> {
  /**
   * Inserts; rejects with `already_exists` on a duplicate `_id` or unique field.
   * Top-level `null` and `undefined` fields are not stored (nor returned).
   */
  insert(doc: NewDoc<T>): Promise<T>;
  /** The document with this id, or undefined. */
  get(id: string): Promise<T | undefined>;
  /** Documents whose listed fields all equal the given values. */
  find(filter?: Filter<T>, options?: FindOptions<T>): Promise<T[]>;
  /** Counts documents matching the filter. */
  count(filter?: Filter<T>): Promise<number>;
  /**
   * Replaces the document if its stored version is still `expectedVersion`.
   * Rejects with `not_found` when it is gone, `conflict` when someone else
   * wrote first, and `already_exists` on a unique-field clash.
   */
  update(id: string, expectedVersion: number, next: NewDoc<T>): Promise<T>;
  /** Deletes; resolves true when something was deleted. */
  delete(id: string): Promise<boolean>;
  /** Deletes every document matching the filter; resolves with how many. */
  deleteMany(filter: Filter<T>): Promise<number>;
}

/** A store backend. */
export interface Store {
  /** Which backend this is, for logs and `/readyz`. */
  readonly kind: "sqlite" | "mongodb";
  /** Opens (creating if needed) a collection and its unique indexes. */
  collection<T extends StoredDoc>(
    name: string,
    options?: CollectionOptions,
  ): Promise<Collection<T>>;
  /** Resolves when the backend answers; rejects otherwise. */
  ping(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/**
 * Reads, changes and writes back one document, retrying when another writer
 * got there first. `change` returns the next document, or undefined to leave
 * it as is.
 */
export async function updateWithRetry<T extends StoredDoc>(
  collection: Collection<T>,
  id: string,
  change: (current: T) => NewDoc<T> | undefined,
  attempts = 5,
): Promise<T | undefined> {
  for (let i = 0; ; i++) {
    const current = await collection.get(id);
    if (!current) return undefined;
    const next = change(current);
    if (!next) return current;
    try {
      return await collection.update(id, current._v, next);
    } catch (err) {
      const conflict = (err as { code?: unknown }).code === "conflict";
      if (!conflict || i + 1 >= attempts) throw err;
    }
  }
}
