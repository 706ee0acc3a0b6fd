import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type Db, type Document, MongoClient, MongoServerError } from "mongodb";
import type {
  Collection,
  CollectionOptions,
  Filter,
  FindOptions,
  NewDoc,
  Store,
  StoredDoc,
} from "./store.js";

/** `w: majority, j: true`: a write resolves only once a majority has it in its journal. */
const durable = { writeConcern: { w: "majority" as const, j: true } };

/** The MongoDB backend, for production and HA (several control-plane replicas). */
export class MongoStore implements Store {
  readonly kind = "mongodb" as const;
  readonly #client: MongoClient;
  readonly #db: Db;

  private constructor(client: MongoClient, db: Db) {
    this.#client = client;
    this.#db = db;
  }

  /** Connects; the database is the one named in the URI (default `smart_orchestrator`). */
  static async connect(uri: string): Promise<MongoStore> {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new MongoStore(client, client.db(client.options.dbName || "smart_orchestrator"));
  }

  async collection<T extends StoredDoc>(
    name: string,
    options: CollectionOptions = {},
  ): Promise<Collection<T>> {
    const coll = this.#db.collection(name, durable);
    for (const index of options.unique ?? []) {
      await coll.createIndex(
        { [index.field]: 1 },
        {
          name: `${name}_${index.field}_unique`,
          unique: true,
          ...(index.sparse
            ? { partialFilterExpression: { [index.field]: { $exists: true } } }
            : {}),
        },
      );
    }
    return new MongoCollection<T>(coll, name);
  }

  async ping(): Promise<void> {
    await this.#db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

type Raw = import("mongodb").Collection<Document>;

class MongoCollection<T extends StoredDoc> implements Collection<T> {
  readonly #coll: Raw;
  readonly #name: string;

  constructor(coll: Raw, name: string) {
    this.#coll = coll;
    this.#name = name;
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const stored = stripNulls({ ...doc, _v: 1 });
    try {
      await this.#coll.insertOne({ ...stored } as Document, durable);
    } catch (err) {
      throw mapError(err, this.#name, doc._id);
    }
    return stored as unknown as T;
  }

  async get(id: string): Promise<T | undefined> {
    const doc = await this.#coll.findOne({ _id: id as never });
    return (doc ?? undefined) as T | undefined;
  }

  async find(filter: Filter<T> = {}, options: FindOptions<T> = {}): Promise<T[]> {
    const sort: Record<string, 1> = options.sortBy ? { [options.sortBy]: 1, _id: 1 } : { _id: 1 };
    let cursor = this.#coll.find(toQuery(filter)).sort(sort);
    if (options.limit !== undefined) cursor = cursor.limit(Math.max(0, Math.floor(options.limit)));
    return (await cursor.toArray()) as unknown as T[];
  }

  async count(filter: Filter<T> = {}): Promise<number> {
    return this.#coll.countDocuments(toQuery(filter));
  }

  async update(id: string, expectedVersion: number, next: NewDoc<T>): Promise<T> {
    const stored = stripNulls({ ...next, _id: id, _v: expectedVersion + 1 });
    let matched: number;
    try {
      const res = await this.#coll.replaceOne(
        { _id: id as never, _v: expectedVersion },
        stored as Document,
        durable,
      );
      matched = res.matchedCount;
    } catch (err) {
      throw mapError(err, this.#name, id);
    }
    if (matched === 0) {
      const exists = await this.#coll.countDocuments({ _id: id as never }, { limit: 1 });
      throw exists
        ? new AppError(ErrorCode.Conflict, `${this.#name}/${id} was changed concurrently`)
        : new AppError(ErrorCode.NotFound, `${this.#name}/${id} not found`);
    }
    return stored as unknown as T;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#coll.deleteOne({ _id: id as never }, durable)).deletedCount > 0;
  }

  async deleteMany(filter: Filter<T>): Promise<number> {
    return (await this.#coll.deleteMany(toQuery(filter), durable)).deletedCount;
  }
}

/**
 * SQLite's json_extract treats a stored null and a missing field alike; drop
 * top-level nulls here so sparse indexes and `null` filters agree across backends.
 */
function stripNulls<D extends object>(doc: D): D {
  return Object.fromEntries(
    Object.entries(doc).filter(([, v]) => v !== null && v !== undefined),
  ) as D;
}

function toQuery(filter: object): Document {
  const q: Document = {};
  for (const [field, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    q[field] = value;
  }
  return q;
}

function mapError(err: unknown, name: string, id: string): unknown {
  if (err instanceof MongoServerError && err.code === 11000) {
    const m = new RegExp(`index: ${name}_(.+)_unique`).exec(err.message);
    const what = m ? `a document with the same ${m[1]}` : `${name}/${id}`;
    return new AppError(ErrorCode.AlreadyExists, `${what} already exists`, { cause: err });
  }
  return err;
}
