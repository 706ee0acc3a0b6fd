import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import Database from "better-sqlite3";
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

type Db = InstanceType<typeof Database>;

/**
 * The embedded store: one SQLite file, one table per collection holding JSON
 * documents. WAL with `synchronous=FULL` makes every committed write survive
 * a power cut, which is what "a write that returns is durable" needs.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite" as const;
  readonly #db: Db;

  private constructor(db: Db) {
    this.#db = db;
  }

  /** Opens or creates the database file (`:memory:` for throwaway use). */
  static open(file: string): SqliteStore {
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    return new SqliteStore(db);
  }

  async collection<T extends StoredDoc>(
    name: string,
    options: CollectionOptions = {},
  ): Promise<Collection<T>> {
    checkCollectionName(name);
    this.#db.exec(
      `CREATE TABLE IF NOT EXISTS "${name}" (id TEXT PRIMARY KEY, v INTEGER NOT NULL, doc TEXT NOT NULL)`,
    );
    for (const index of options.unique ?? []) {
      const field = fieldPath(index.field);
      const where = index.sparse ? ` WHERE json_extract(doc, '${field}') IS NOT NULL` : "";
      this.#db.exec(
        `CREATE UNIQUE INDEX IF NOT EXISTS "${name}_${index.field}_unique" ON "${name}" (json_extract(doc, '${field}'))${where}`,
      );
    }
    return new SqliteCollection<T>(this.#db, name);
  }

  /** The durability settings in force, for tests and `/readyz`. */
  pragmas(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.#db.pragma("journal_mode", { simple: true })),
      synchronous: Number(this.#db.pragma("synchronous", { simple: true })),
    };
  }

  async ping(): Promise<void> {
    this.#db.prepare("SELECT 1").get();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

class SqliteCollection<T extends StoredDoc> implements Collection<T> {
  readonly #db: Db;
  readonly #table: string;

  constructor(db: Db, table: string) {
    this.#db = db;
    this.#table = table;
  }

  async insert(doc: NewDoc<T>): Promise<T> {
    const stored = withoutTopLevelNulls({ ...doc, _v: 1 }) as unknown as T;
    try {
      this.#db
        .prepare(`INSERT INTO "${this.#table}" (id, v, doc) VALUES (?, 1, ?)`)
        .run(stored._id, JSON.stringify(stored));
    } catch (err) {
      throw mapError(err, this.#table, stored._id);
    }
    return stored;
  }

  async get(id: string): Promise<T | undefined> {
    const row = this.#db.prepare(`SELECT doc FROM "${this.#table}" WHERE id = ?`).get(id) as
      | { doc: string }
      | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  async find(filter: Filter<T> = {}, options: FindOptions<T> = {}): Promise<T[]> {
    const { where, params } = whereClause(filter);
    const order = options.sortBy
      ? `ORDER BY json_extract(doc, '${fieldPath(options.sortBy)}'), id`
      : "ORDER BY id";
    const rows = checkLimit(options.limit);
    const limit = rows !== undefined ? ` LIMIT ${rows}` : "";
    const found = this.#db
      .prepare(`SELECT doc FROM "${this.#table}" ${where} ${order}${limit}`)
      .all(...params) as { doc: string }[];
    return found.map((r) => JSON.parse(r.doc) as T);
  }

  async count(filter: Filter<T> = {}): Promise<number> {
    const { where, params } = whereClause(filter);
    const row = this.#db
      .prepare(`SELECT count(*) AS n FROM "${this.#table}" ${where}`)
      .get(...params) as { n: number };
    return row.n;
  }

  async update(id: string, expectedVersion: number, next: NewDoc<T>): Promise<T> {
    const stored = withoutTopLevelNulls({
      ...next,
      _id: id,
      _v: expectedVersion + 1,
    }) as unknown as T;
    let changes: number;
    try {
      changes = this.#db
        .prepare(`UPDATE "${this.#table}" SET v = ?, doc = ? WHERE id = ? AND v = ?`)
        .run(stored._v, JSON.stringify(stored), id, expectedVersion).changes;
    } catch (err) {
      throw mapError(err, this.#table, id);
    }
    if (changes === 0) throw await this.#missOrConflict(id);
    return stored;
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.prepare(`DELETE FROM "${this.#table}" WHERE id = ?`).run(id).changes > 0;
  }

  async deleteMany(filter: Filter<T>): Promise<number> {
    const { where, params } = whereClause(filter);
    return this.#db.prepare(`DELETE FROM "${this.#table}" ${where}`).run(...params).changes;
  }

  async #missOrConflict(id: string): Promise<AppError> {
    const exists = await this.get(id);
    return exists
      ? new AppError(ErrorCode.Conflict, `${this.#table}/${id} was changed concurrently`)
      : new AppError(ErrorCode.NotFound, `${this.#table}/${id} not found`);
  }
}

function fieldPath(field: string): string {
  return `$.${checkFieldName(field)}`;
}

function whereClause(filter: object): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [field, value] of checkFilter(filter)) {
    const path = field === "_id" ? null : fieldPath(field);
    const column = path ? `json_extract(doc, '${path}')` : "id";
    if (value === null) {
      parts.push(`${column} IS NULL`);
    } else if (typeof value === "boolean") {
      parts.push(`${column} = ?`);
      params.push(value ? 1 : 0);
    } else {
      parts.push(`${column} = ?`);
      params.push(value);
    }
  }
  return { where: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
}

function mapError(err: unknown, table: string, id: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    const m = new RegExp(`index '${table}_(.+)_unique'`).exec(String((err as Error).message));
    const what = m ? `a document with the same ${m[1]}` : `${table}/${id}`;
    return new AppError(ErrorCode.AlreadyExists, `${what} already exists`, { cause: err });
  }
  return err;
}
