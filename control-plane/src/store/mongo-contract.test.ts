import { randomBytes } from "node:crypto";
import test from "ava";
import { type CommandStartedEvent, type Document, MongoClient } from "mongodb";
import type { ChartIndex } from "../repos/chart-index.js";
import { type RepoIndexDoc, type RepoIndexPartDoc, repoCollections } from "../repos/repo-doc.js";
import { RepoIndexCache } from "../repos/repo-index-cache.js";
import { MongoStore } from "./mongo-store.js";
import { parseMongoUri, withDatabase } from "./mongo-uri.js";
import type { StoredDoc } from "./store.js";
import { storeContract } from "./store-contract.js";

// The store contract and the MongoDB-only checks against a real server. Run
// against a local replica set as README.md ("MongoDB") describes.

const uri = process.env.MONGODB_URI;

interface Thing extends StoredDoc {
  readonly name?: string;
  readonly n: number;
  readonly blob?: string;
}

if (!uri) {
  console.log("SKIPPED mongodb store contract: MONGODB_URI is not set (no MongoDB server here)");
  test.skip("mongodb: store contract (skipped: MONGODB_URI is not set)", () => {});
} else {
  const base = uri;
  const databases = new Set<string>();
  const uriOf = new WeakMap<object, string>();
  let seq = 0;

  /** A fresh database per store, recorded so that it is dropped at the end. */
  const freshUri = () => {
    const db = `so_test_${process.pid}_${Date.now() % 1e8}_${++seq}`;
    databases.add(db);
    return withDatabase(base, db);
  };

  /** The URI with these query options set (replacing any the URI already has). */
  const withOptions = (u: string, options: Record<string, string | undefined>) => {
    const { query } = parseMongoUri(u);
    const params = new URLSearchParams(query.slice(1));
    for (const [k, v] of Object.entries(options)) {
      params.delete(k);
      if (v !== undefined) params.set(k, v);
    }
    const head = query ? u.slice(0, -query.length) : u;
    return `${head}?${params.toString()}`;
  };

  test.after.always("drop the test databases", async () => {
    const client = new MongoClient(base);
    try {
      for (const db of databases) await client.db(db).dropDatabase();
    } finally {
      await client.close();
    }
  });

  storeContract(test, {
    label: "mongodb",
    async open() {
      const u = freshUri();
      const store = await MongoStore.connect(u);
      uriOf.set(store, u);
      return store;
    },
    async reopen(previous) {
      const u = uriOf.get(previous);
      if (!u) throw new Error("reopen of a store this suite did not open");
      return MongoStore.connect(u);
    },
  });

  test("mongodb: writes carry w:majority, journal and wtimeout; reads majority and maxTimeMS", async (t) => {
    const seen: CommandStartedEvent[] = [];
    const store = await MongoStore.connect(freshUri(), {
      limits: { wtimeoutMs: 4_321, maxTimeMs: 1_234 },
      onCommandStarted: (e) => seen.push(e),
    });
    const c = await store.collection<Thing>("monitored", { unique: [{ field: "name" }] });
    await c.insert({ _id: "a", name: "a", n: 1 });
    await c.update("a", 1, { _id: "a", name: "a", n: 2 });
    await c.get("a");
    await c.find({ n: 2 }, { limit: 5 });
    await c.count();
    await c.delete("a");
    await c.deleteMany({ n: 2 });
    await store.close();

    const writes = seen.filter((e) => ["insert", "update", "delete"].includes(e.commandName));
    t.is(writes.length, 4);
    for (const e of writes) {
      t.deepEqual(
        e.command.writeConcern,
        { w: "majority", j: true, wtimeout: 4_321 },
        `${e.commandName} write concern`,
      );
    }
    const reads = seen.filter((e) => ["find", "aggregate"].includes(e.commandName));
    t.true(reads.length >= 3);
    for (const e of reads) {
      t.deepEqual(e.command.readConcern, { level: "majority" }, `${e.commandName} read concern`);
      t.is(e.command.maxTimeMS, 1_234, `${e.commandName} time limit`);
      const pref = (e.command.$readPreference as Document | undefined)?.mode;
      t.true(pref === undefined || pref === "primary", `${e.commandName} goes to the primary`);
    }
  });

  test("mongodb: a URI asking for secondaries, local reads and w:1 is overridden", async (t) => {
    const seen: CommandStartedEvent[] = [];
    const u = withOptions(freshUri(), {
      readPreference: "secondaryPreferred",
      readConcernLevel: "local",
      w: "1",
      journal: "false",
    });
    const store = await MongoStore.connect(u, { onCommandStarted: (e) => seen.push(e) });
    const c = await store.collection<Thing>("pinned");
    await c.insert({ _id: "a", n: 1 });
    t.is((await c.get("a"))?.n, 1, "read your write");
    await store.close();
    const insert = seen.find((e) => e.commandName === "insert");
    t.like(insert?.command.writeConcern, { w: "majority", j: true });
    const find = seen.find((e) => e.commandName === "find");
    t.deepEqual(find?.command.readConcern, { level: "majority" });
    t.not((find?.command.$readPreference as Document | undefined)?.mode, "secondaryPreferred");
  });

  test("mongodb: without a path the database is smart_orchestrator", async (t) => {
    const bare = withDatabase(base, "");
    const store = await MongoStore.connect(bare);
    t.is(store.databaseName, "smart_orchestrator");
    const name = `contract_${process.pid}_${Date.now() % 1e8}`;
    const c = await store.collection<Thing>(name);
    await c.insert({ _id: "a", n: 1 });
    await store.close();
    const client = new MongoClient(base);
    try {
      const found = await client
        .db("smart_orchestrator")
        .collection(name)
        .findOne({ _id: "a" as never });
      t.is(found?.n, 1);
      t.is(await client.db("test").collection(name).countDocuments(), 0, "nothing in 'test'");
    } finally {
      await client
        .db("smart_orchestrator")
        .collection(name)
        .drop()
        .catch(() => {});
      await client.close();
    }
  });

  test("mongodb: an index from older versions (not partial) is replaced on open", async (t) => {
    const u = freshUri();
    const client = new MongoClient(u);
    await client
      .db()
      .collection("legacy")
      .createIndex({ name: 1 }, { name: "legacy_name_unique", unique: true });
    await client.close();
    const store = await MongoStore.connect(u);
    const c = await store.collection<Thing>("legacy", { unique: [{ field: "name" }] });
    await c.insert({ _id: "a", n: 1 });
    await c.insert({ _id: "b", n: 1 });
    await c.insert({ _id: "c", name: "x", n: 1 });
    await t.throwsAsync(c.insert({ _id: "d", name: "x", n: 1 }), { code: "already_exists" });
    await store.close();
  });

  test("mongodb: a document over 16 MiB is payload_too_large", async (t) => {
    const store = await MongoStore.connect(freshUri());
    const c = await store.collection<Thing>("big");
    const err = await t.throwsAsync(
      c.insert({ _id: "a", n: 1, blob: "x".repeat(16 * 1024 * 1024 + 1) }),
    );
    t.is((err as { code?: string }).code, "payload_too_large", err?.message);
    t.is(await c.count(), 0);
    await store.close();
  });

  test("mongodb: with no eligible primary, operations fail as unavailable, not internal", async (t) => {
    // A replica-set name no server has: the server answers, but is never
    // selectable, as during an election or with the majority down.
    const broken = withOptions(freshUri(), {
      serverSelectionTimeoutMS: "300",
      replicaSet: "so_no_such_set",
      directConnection: undefined,
    });
    const err = await t.throwsAsync(MongoStore.connect(broken));
    t.is((err as { code?: string }).code, "unavailable");
    t.regex(err?.message ?? "", /^MONGODB_URI: /);

    const store = await MongoStore.connect(freshUri());
    const c = await store.collection<Thing>("outage");
    await c.insert({ _id: "a", n: 1 });
    await store.close();
    await t.throwsAsync(c.get("a"), { code: "unavailable" });
    await t.throwsAsync(c.insert({ _id: "b", n: 1 }), { code: "unavailable" });
  });

  test("mongodb: a repository index whose gzip exceeds 16 MiB is stored in pieces and read back", async (t) => {
    const store = await MongoStore.connect(freshUri());
    const deps = {
      docs: await store.collection<RepoIndexDoc>(repoCollections.indexes.name),
      parts: await store.collection<RepoIndexPartDoc>(repoCollections.indexParts.name),
      now: () => new Date(),
    };
    // Random text barely compresses: about 20 MiB of base64 once gzipped.
    const index: ChartIndex = {
      apiVersion: "v1",
      skipped: 0,
      charts: [
        {
          name: "huge",
          versions: Array.from({ length: 60 }, (_, i) => ({
            version: `1.0.${i}`,
            description: randomBytes(256 * 1024).toString("base64"),
            urls: [`huge-1.0.${i}.tgz`],
          })),
        },
      ],
    };
    await new RepoIndexCache(deps).put("r1", index);
    t.true(((await deps.docs.get("r1"))?.parts ?? 1) >= 3);
    const fresh = new RepoIndexCache(deps);
    t.deepEqual((await fresh.get("r1"))?.index, index);
    await store.close();
  });
}
