import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import {
  type CommandStartedEvent,
  type Db,
  type Document,
  MongoClient,
  MongoServerError,
} from "mongodb";
import { isMongoOutage, mapMongoError } from "./mongo-errors.js";
import {
  checkWireVersion,
  clientOptions,
  databaseOptions,
  defaultMongoLimits,
  type MongoLimits,
  writeConcern,
} from "./mongo-options.js";
import { databaseName, describeMongoUri } from "./mongo-uri.js";
import type {
  Collection,
  CollectionOptions,
  Filter,
  FindOptions,
  NewDoc,
  Store,
  StoredDoc,
} from "./store.js";
import {
  checkCollectionName,
  checkFieldName,
  checkFilter,
  checkLimit,
  withoutTopLevelNulls,
} from "./store-checks.js";

/** Options for {@link MongoStore.connect} and {@link MongoStore.create}. */
export interface MongoStoreOptions {
  /** Write-concern and read time limits; 10 s each by default. */
  readonly limits?: MongoLimits;
  /** Sees every command sent (command monitoring), for tests and diagnostics. */
  readonly onCommandStarted?: (event: CommandStartedEvent) => void;
}

// Index option conflicts: an index of the same name exists with other options.
const indexConflictCodes = new Set([85, 86]);

/** The MongoDB backend, for production and HA (several control-plane replicas). */
export class MongoStore implements Store {
  readonly kind = "mongodb" as const;
  /** The database in use: the URI's path, else `smart_orchestrator`. */
  readonly databaseName: string;
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #limits: MongoLimits;

  private constructor(client: MongoClient, name: string, limits: MongoLimits) {
    this.#client = client;
    this.databaseName = name;
    this.#limits = limits;
    this.#db = client.db(name, databaseOptions(limits));
  }

  /**
   * Builds the store without any network I/O; the driver connects on first
   * use. {@link connect} is what the control plane calls.
   */
  static create(uri: string, options: MongoStoreOptions = {}): MongoStore {
    const limits = options.limits ?? defaultMongoLimits;
    const name = databaseName(uri);
    const monitor = options.onCommandStarted;
    const client = new MongoClient(uri, {
      ...clientOptions(uri, limits),
      ...(monitor ? { monitorCommands: true } : {}),
    });
    if (monitor) client.on("commandStarted", monitor);
    return new MongoStore(client, name, limits);
  }

  /**
   * Connects and checks the server. Rejects with one AppError naming
   * MONGODB_URI when the server cannot be reached (`unavailable`) or is
   * older than MongoDB 5.0 (`failed_precondition`).
   */
  static async connect(uri: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
    const store = MongoStore.create(uri, options);
    const where = describeMongoUri(uri);
    try {
      await store.#client.connect();
      checkWireVersion(await store.#db.command({ hello: 1 }), where);
    } catch (err) {
      await store.#client.close().catch(() => {});
      if (err instanceof AppError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      const code = isMongoOutage(err) ? ErrorCode.Unavailable : ErrorCode.FailedPrecondition;
      throw new AppError(code, `MONGODB_URI: cannot use MongoDB at ${where}: ${reason}`, {
        cause: err,
      });
    }
    return store;
  }

  async collection<T extends StoredDoc>(
    name: string,
    options: CollectionOptions = {},
  ): Promise<Collection<T>> {
    checkCollectionName(name);
    const coll = this.#db.collection(name);
    for (const index of options.unique ?? []) {
      const field = checkFieldName(index.field);
      // Partial whether sparse or not: SQLite's unique indexes let any number
      // of rows lack the field (NULLs are distinct), and MongoDB must agree.
      // Top-level nulls are never stored, so `$exists` also skips nulls.
      const spec = { [field]: 1 };
      const indexOptions = {
        name: `${name}_${field}_unique`,
        unique: true,
        partialFilterExpression: { [field]: { $exists: true } },
      };
      try {
        await coll.createIndex(spec, indexOptions);
      } catch (err) {
        if (!(err instanceof MongoServerError && indexConflictCodes.has(Number(err.code)))) {
          throw mapMongoError(err, name);
        }
        // Created by an older version without the partial filter: replace it.
        try {
          await coll.dropIndex(indexOptions.name);
          await coll.createIndex(spec, indexOptions);
        } catch (again) {
          throw mapMongoError(again, name);
        }
      }
    }
    return new MongoCollection<T>(coll, name, this.#limits);
  }

  async ping(): Promise<void> {
    try {
      await this.#db.command({ ping: 1 });
    } catch (err) {
      throw mapMongoError(err, "ping");
    }
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

type Raw = import("mongodb").Collection<Document>;

class MongoCollection<T extends StoredDoc> implements Collection<T> {
  readonly #coll: Raw;
  readonly #name: string;
  readonly #durable: { writeConcern: ReturnType<typeof writeConcern> };
  readonly #read: { maxTimeMS: number };

  constructor(coll: Raw, name: string, limits: MongoLimits) {
    this.#coll = coll;
    this.#name = name;
    this.#durable = { writeConcern: writeConcern(limits) };
    this.#read = { maxTimeMS: limits.maxTimeMs };
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const stored = withoutTopLevelNulls({ ...doc, _v: 1 });
    await this.#run(doc._id, () => this.#coll.insertOne({ ...stored } as Document, this.#durable));
    return stored as unknown as T;
  }

  async get(id: string): Promise<T | undefined> {
    const doc = await this.#run(id, () => this.#coll.findOne({ _id: id as never }, this.#read));
    return (doc ?? undefined) as T | undefined;
  }

  async find(filter: Filter<T> = {}, options: FindOptions<T> = {}): Promise<T[]> {
    const query = toQuery(filter);
    const limit = checkLimit(options.limit);
    const sort: Record<string, 1> = options.sortBy
      ? { [checkFieldName(options.sortBy)]: 1, _id: 1 }
      : { _id: 1 };
    if (limit === 0) return [];
    let cursor = this.#coll.find(query, this.#read).sort(sort);
    if (limit !== undefined) cursor = cursor.limit(limit);
    return (await this.#run(undefined, () => cursor.toArray())) as unknown as T[];
  }

  async count(filter: Filter<T> = {}): Promise<number> {
    const query = toQuery(filter);
    return this.#run(undefined, () => this.#coll.countDocuments(query, this.#read));
  }

  async update(id: string, expectedVersion: number, next: NewDoc<T>): Promise<T> {
    const stored = withoutTopLevelNulls({ ...next, _id: id, _v: expectedVersion + 1 });
    const res = await this.#run(id, () =>
      this.#coll.replaceOne(
        { _id: id as never, _v: expectedVersion },
        stored as Document,
        this.#durable,
      ),
    );
    if (res.matchedCount === 0) {
      const exists = await this.#run(id, () =>
        this.#coll.countDocuments({ _id: id as never }, { ...this.#read, limit: 1 }),
      );
      throw exists
        ? new AppError(ErrorCode.Conflict, `${this.#name}/${id} was changed concurrently`)
        : new AppError(ErrorCode.NotFound, `${this.#name}/${id} not found`);
    }
    return stored as unknown as T;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.#run(id, () =>
      this.#coll.deleteOne({ _id: id as never }, this.#durable),
    );
    return res.deletedCount > 0;
  }

  async deleteMany(filter: Filter<T>): Promise<number> {
    const query = toQuery(filter);
    const res = await this.#run(undefined, () => this.#coll.deleteMany(query, this.#durable));
    return res.deletedCount;
  }

  /** Runs one driver call, mapping its errors (outage → 503, duplicate → 409, …). */
  async #run<R>(id: string | undefined, op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (err) {
      throw mapMongoError(err, this.#name, id);
    }
  }
}

/** An equality query from checked, scalar-only filter entries: no operator can get in. */
function toQuery(filter: object): Document {
  const q: Document = {};
  for (const [field, value] of checkFilter(filter)) q[field] = value;
  return q;
}
