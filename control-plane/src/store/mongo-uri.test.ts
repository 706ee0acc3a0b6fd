import test from "ava";
import {
  databaseName,
  defaultDatabase,
  describeMongoUri,
  parseMongoUri,
  withDatabase,
} from "./mongo-uri.js";

test("the database comes from the URI path, smart_orchestrator when there is none", (t) => {
  t.is(defaultDatabase, "smart_orchestrator");
  t.is(databaseName("mongodb://mongo:27017"), "smart_orchestrator");
  t.is(databaseName("mongodb://mongo:27017/"), "smart_orchestrator");
  t.is(databaseName("mongodb://mongo:27017/?replicaSet=rs0"), "smart_orchestrator");
  t.is(databaseName("mongodb://mongo:27017?replicaSet=rs0"), "smart_orchestrator");
  t.is(databaseName("mongodb://mongo:27017/so_prod"), "so_prod");
  t.is(databaseName("mongodb://u:p%2F%40@mongo/so-prod?authSource=admin"), "so-prod");
  t.is(databaseName("mongodb+srv://cluster0.example.net/orch?retryWrites=true"), "orch");
});

test("replica-set seed lists parse (new URL() rejects them)", (t) => {
  const uri = "mongodb://user:pa%3Ass@a:27017,b:27018,c/so?replicaSet=rs0&w=1";
  t.throws(() => new URL(uri));
  const p = parseMongoUri(uri);
  t.deepEqual(p.hosts, ["a:27017", "b:27018", "c"]);
  t.is(p.userinfo, "user:pa%3Ass@");
  t.is(p.path, "so");
  t.is(p.query, "?replicaSet=rs0&w=1");
  t.is(databaseName(uri), "so");
});

test("withDatabase swaps the database and keeps hosts, credentials and options", (t) => {
  t.is(
    withDatabase("mongodb://u:p@a:1,b:2/?replicaSet=rs0", "so_test_1"),
    "mongodb://u:p@a:1,b:2/so_test_1?replicaSet=rs0",
  );
  t.is(withDatabase("mongodb://a/old", "new"), "mongodb://a/new");
  t.is(withDatabase("mongodb://a", "new"), "mongodb://a/new");
});

test("describeMongoUri drops credentials and options", (t) => {
  t.is(describeMongoUri("mongodb://admin:s3cret@a:1,b:2/db?tls=true"), "mongodb://a:1,b:2");
  t.notRegex(describeMongoUri("mongodb://admin:s3cret@a"), /s3cret/);
});

test("bad URIs and database names are refused by name", (t) => {
  const invalid = { code: "invalid_argument" } as const;
  t.throws(() => parseMongoUri("postgres://x"), { ...invalid, message: /MONGODB_URI/ });
  t.throws(() => parseMongoUri("mongodb://a,,b/"), { ...invalid, message: /empty host/ });
  t.throws(() => databaseName("mongodb://a/my.db"), { ...invalid, message: /database "my.db"/ });
  t.throws(() => databaseName("mongodb://a/%E0%A4%A"), { ...invalid, message: /encoded/ });
  t.throws(() => databaseName(`mongodb://a/${"x".repeat(64)}`), invalid);
});
