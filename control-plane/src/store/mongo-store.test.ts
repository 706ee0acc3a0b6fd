import { createServer } from "node:net";
import test from "ava";
import { MongoStore } from "./mongo-store.js";

// Server-free checks of the MongoDB store. The contract suite against a real
// server is in mongo-contract.test.ts and runs when MONGODB_URI is set.

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("the database is the URI's path, else smart_orchestrator (never the driver's 'test')", async (t) => {
  for (const [uri, name] of [
    ["mongodb://mongo:27017", "smart_orchestrator"],
    ["mongodb://a:27017,b:27017/?replicaSet=rs0", "smart_orchestrator"],
    ["mongodb://a:27017,b:27017/orch?replicaSet=rs0", "orch"],
  ] as const) {
    const store = MongoStore.create(uri);
    t.is(store.databaseName, name, uri);
    await store.close();
  }
});

test("an unreachable server stops start-up with one AppError naming MONGODB_URI", async (t) => {
  const port = await closedPort();
  const uri = `mongodb://admin:s3cret@127.0.0.1:${port}/so?serverSelectionTimeoutMS=200`;
  const err = await t.throwsAsync(MongoStore.connect(uri));
  t.is((err as { code?: string }).code, "unavailable");
  t.regex(
    err?.message ?? "",
    new RegExp(`^MONGODB_URI: cannot use MongoDB at mongodb://127\\.0\\.0\\.1:${port}: `),
  );
  t.notRegex(err?.message ?? "", /s3cret/, "credentials stay out of the message");
  t.false((err?.message ?? "").includes("\n"), "one line");
});

test("operations on a closed client are unavailable (503), not internal errors", async (t) => {
  const store = MongoStore.create("mongodb://127.0.0.1:1/so");
  const c = await store.collection<{ _id: string; _v: number; n: number }>("things");
  await store.close();
  const unavailable = { code: "unavailable", message: /^MongoDB is unavailable: / };
  await t.throwsAsync(c.get("a"), unavailable);
  await t.throwsAsync(c.find({ n: 1 }, { limit: 5 }), unavailable);
  await t.throwsAsync(c.count(), unavailable);
  await t.throwsAsync(c.insert({ _id: "a", n: 1 }), unavailable);
  await t.throwsAsync(c.update("a", 1, { _id: "a", n: 2 }), unavailable);
  await t.throwsAsync(c.delete("a"), unavailable);
  await t.throwsAsync(c.deleteMany({ n: 1 }), unavailable);
  await t.throwsAsync(store.ping(), unavailable);
});

test("bad filters, limits and names are refused before anything is sent", async (t) => {
  // The store is closed: any query that got as far as the driver would fail
  // as `unavailable`, so `invalid_argument` proves the check ran first.
  const store = MongoStore.create("mongodb://127.0.0.1:1/so");
  const c = await store.collection<{ _id: string; _v: number; n: number }>("things");
  await store.close();
  const refused = { code: "invalid_argument" };
  await t.throwsAsync(c.find({ _id: { $ne: null } } as never), refused);
  await t.throwsAsync(c.find({ n: [1, 2] } as never), refused);
  await t.throwsAsync(c.count({ $where: "1" } as never), refused);
  await t.throwsAsync(c.deleteMany({ _id: { $gt: "" } } as never), refused);
  await t.throwsAsync(c.find({}, { sortBy: "$natural" as "n" }), refused);
  await t.throwsAsync(c.find({}, { limit: Number.NaN }), refused);
  t.deepEqual(await c.find({}, { limit: 0 }), [], "limit 0 needs no round trip");
  t.deepEqual(await c.find({}, { limit: -3 }), []);
  await t.throwsAsync(store.collection("system.users"), refused);
  await t.throwsAsync(store.collection("ok", { unique: [{ field: "a.b" }] }), refused);
});
