import test from "ava";
import { MongoClient } from "mongodb";
import {
  checkWireVersion,
  clientOptions,
  databaseOptions,
  defaultMongoLimits,
  minWireVersion,
} from "./mongo-options.js";

// A URI that asks for everything we must not do. Building a client does no I/O.
const hostile =
  "mongodb://a:27017,b:27017/?replicaSet=rs0&readPreference=secondary" +
  "&readConcernLevel=local&w=1&journal=false&wtimeoutMS=1";
const limits = { wtimeoutMs: 7_000, maxTimeMs: 3_000 };

test("the database pins primary reads, majority read concern and w:majority+journal+wtimeout", async (t) => {
  const client = new MongoClient(hostile, clientOptions(hostile, limits));
  const db = client.db("x", databaseOptions(limits));
  t.is(db.readPreference.mode, "primary");
  t.is(db.readConcern?.level, "majority");
  t.like(db.writeConcern, { w: "majority", journal: true, wtimeoutMS: 7_000 });
  t.true(db.bsonOptions.ignoreUndefined);
  // Collections inherit it, so every operation carries it.
  const coll = db.collection("y");
  t.is(coll.readPreference?.mode, "primary");
  t.is(coll.readConcern?.level, "majority");
  t.like(coll.writeConcern, { w: "majority", journal: true, wtimeoutMS: 7_000 });
  await client.close();
});

test("client options alone would let the URI win, which is why the database pins them", async (t) => {
  // Guards the reason for databaseOptions: if the driver ever lets object
  // options win, this fails and the double pinning can be simplified.
  const client = new MongoClient(hostile, clientOptions(hostile, limits));
  t.is(client.options.readConcern.level, "local");
  t.is(client.options.writeConcern?.journal, false);
  await client.close();
});

test("write concern uses journal (not the deprecated j) and the configured wtimeoutMS", (t) => {
  const opts = databaseOptions(defaultMongoLimits);
  t.deepEqual(opts.writeConcern, { w: "majority", journal: true, wtimeoutMS: 10_000 });
  t.false("j" in (opts.writeConcern as object));
});

test("server selection: 10 s unless the URI sets it", (t) => {
  t.is(clientOptions("mongodb://a", limits).serverSelectionTimeoutMS, 10_000);
  const uri = "mongodb://a/?serverSelectionTimeoutMS=2500";
  t.is(clientOptions(uri, limits).serverSelectionTimeoutMS, undefined);
  const client = new MongoClient(uri, clientOptions(uri, limits));
  t.is(client.options.serverSelectionTimeoutMS, 2500);
});

test("servers older than MongoDB 5.0 (maxWireVersion < 13) are refused with a clear message", (t) => {
  t.is(minWireVersion, 13);
  for (const v of [13, 17, 21, 25]) {
    t.notThrows(() => checkWireVersion({ maxWireVersion: v }, "mongodb://a"));
  }
  for (const hello of [
    { maxWireVersion: 12 },
    { maxWireVersion: 9 },
    {},
    { maxWireVersion: "13" },
  ]) {
    t.throws(() => checkWireVersion(hello, "mongodb://a:1"), {
      code: "failed_precondition",
      message: /MONGODB_URI: the server at mongodb:\/\/a:1 reports maxWireVersion .*MongoDB 5\.0/,
    });
  }
});
