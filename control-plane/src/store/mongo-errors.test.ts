import { AppError } from "@smart-orchestrator/shared";
import test from "ava";
import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
  type TopologyDescription,
} from "mongodb";
import { isMongoOutage, mapMongoError } from "./mongo-errors.js";

const codeOf = (err: unknown) => (err instanceof AppError ? err.code : undefined);
const topology = {} as TopologyDescription;

test("outages map to unavailable (503)", (t) => {
  const outages: [string, unknown][] = [
    ["server selection", new MongoServerSelectionError("no primary", topology)],
    ["network", new MongoNetworkError("connection reset")],
    ["network timeout", new MongoNetworkTimeoutError("timed out")],
    ["not connected", new MongoNotConnectedError("Client must be connected")],
    ["topology closed", new MongoTopologyClosedError()],
    ["timeoutMS from the URI", new MongoOperationTimeoutError("Timed out")],
    ["client closed", new MongoClientClosedError()],
    ["not primary", new MongoServerError({ code: 10107, errmsg: "not primary" })],
    ["stepped down", new MongoServerError({ code: 189, errmsg: "stepped down" })],
    ["shutting down", new MongoServerError({ code: 91, errmsg: "shutdown" })],
    [
      "read time limit",
      new MongoServerError({ code: 50, errmsg: "operation exceeded time limit" }),
    ],
    [
      "retryable label",
      new MongoServerError({ code: 1, errmsg: "x", errorLabels: ["RetryableWriteError"] }),
    ],
    [
      "write concern timeout",
      new MongoWriteConcernError({
        ok: 1,
        writeConcernError: {
          code: 64,
          errmsg: "waiting for replication timed out",
          errInfo: { wtimeout: true },
        },
      }),
    ],
  ];
  for (const [what, err] of outages) {
    t.true(isMongoOutage(err), what);
    const mapped = mapMongoError(err, "things", "a");
    t.is(codeOf(mapped), "unavailable", what);
    t.is((mapped as Error).cause, err, `${what} keeps its cause`);
  }
});

test("errors that are not outages are left alone", (t) => {
  const others: unknown[] = [
    new MongoServerError({ code: 2, errmsg: "bad value" }),
    new MongoError("something else"),
    new MongoWriteConcernError({
      ok: 1,
      writeConcernError: { code: 100, errmsg: "unsatisfiable" },
    }),
    new Error("plain"),
  ];
  for (const err of others) {
    t.false(isMongoOutage(err));
    t.is(mapMongoError(err, "things", "a"), err);
  }
});

test("duplicate keys name the field from keyPattern, not from the message", (t) => {
  const byField = new MongoServerError({
    code: 11000,
    errmsg: "E11000 duplicate key error collection: db.things index: renamed_index dup key",
    keyPattern: { name: 1 },
    keyValue: { name: "alpha" },
  });
  const mapped = mapMongoError(byField, "things", "b");
  t.is(codeOf(mapped), "already_exists");
  t.is((mapped as Error).message, "a document with the same name already exists");

  const byId = new MongoServerError({ code: 11000, errmsg: "E11000", keyPattern: { _id: 1 } });
  t.is((mapMongoError(byId, "things", "b") as Error).message, "things/b already exists");

  const noPattern = new MongoServerError({ code: 11000, errmsg: "index: things_name_unique" });
  t.is((mapMongoError(noPattern, "things", "b") as Error).message, "things/b already exists");
});

test("a document over 16 MiB is payload_too_large", (t) => {
  for (const err of [
    new MongoServerError({ code: 10334, errmsg: "BSONObj size: 16777300 is invalid" }),
    new MongoServerError({
      code: 2,
      errmsg: "object to insert too large. size in bytes: 16777300",
    }),
    new MongoServerError({ code: 17419, errmsg: "Resulting document after update is larger" }),
  ]) {
    const mapped = mapMongoError(err, "repo_indexes", "r1");
    t.is(codeOf(mapped), "payload_too_large", err.message);
    t.regex((mapped as Error).message, /repo_indexes\/r1 exceeds MongoDB's 16 MiB/);
  }
  const badValue = new MongoServerError({ code: 2, errmsg: "unknown operator" });
  t.is(mapMongoError(badValue, "things", "a"), badValue);
});
