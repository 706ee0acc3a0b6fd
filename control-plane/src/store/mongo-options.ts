import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { type DbOptions, type MongoClientOptions, ReadConcern } from "mongodb";

/** Time limits for the MongoDB store, from `SO_MONGODB_WTIMEOUT_MS` and `SO_MONGODB_MAX_TIME_MS`. */
export interface MongoLimits {
  /** How long a `w: majority` write waits for the majority before failing (ms). */
  readonly wtimeoutMs: number;
  /** Server-side limit on every read (`maxTimeMS`, ms). */
  readonly maxTimeMs: number;
}

/** The defaults: 10 s each. */
export const defaultMongoLimits: MongoLimits = { wtimeoutMs: 10_000, maxTimeMs: 10_000 };

/** The oldest wire version accepted: 13 is MongoDB 5.0, the first to store `.` and `$` in keys. */
export const minWireVersion = 13;

/**
 * `w: majority, journal: true, wtimeoutMS`: a write resolves only once a
 * majority has it in its journal, and fails (503) rather than waiting forever
 * when no majority is there to acknowledge it.
 */
export function writeConcern(limits: MongoLimits) {
  return { w: "majority" as const, journal: true, wtimeoutMS: limits.wtimeoutMs };
}

/**
 * Options for `new MongoClient(uri, …)`. A URI's own timeouts, pool size, TLS
 * and credentials apply; the consistency settings are also pinned per
 * database by {@link databaseOptions}, because for some keys
 * (`readConcernLevel`, `journal`) the driver lets the URI win over these.
 */
export function clientOptions(uri: string, limits: MongoLimits): MongoClientOptions {
  const options: MongoClientOptions = {
    readPreference: "primary",
    readConcern: { level: "majority" },
    writeConcern: writeConcern(limits),
    ignoreUndefined: true,
  };
  // 10 s rather than the driver's 30 s, unless the operator chose in the URI.
  if (!/[?&]serverSelectionTimeoutMS=/i.test(uri)) {
    return { ...options, serverSelectionTimeoutMS: 10_000 };
  }
  return options;
}

/**
 * Options for `client.db(name, …)`, which override the URI whatever it says:
 * reads go to the primary with majority read concern, so a `get` after a
 * write is never stale and a lease is never read from a write that a
 * failover will roll back; nested `undefined` is dropped as JSON drops it.
 */
export function databaseOptions(limits: MongoLimits): DbOptions {
  return {
    readPreference: "primary",
    readConcern: new ReadConcern("majority"),
    writeConcern: writeConcern(limits),
    ignoreUndefined: true,
  };
}

/** The part of a `hello` reply the version check reads. */
export interface HelloReply {
  readonly maxWireVersion?: unknown;
}

/**
 * Throws unless the server speaks wire version 13 (MongoDB 5.0) or newer.
 * Older servers refuse field names with `.` or a leading `$`, and labels such
 * as `kubernetes.io/arch` are such names.
 */
export function checkWireVersion(hello: HelloReply, where: string): void {
  const v = hello.maxWireVersion;
  if (typeof v !== "number" || !Number.isInteger(v) || v < minWireVersion) {
    throw new AppError(
      ErrorCode.FailedPrecondition,
      `MONGODB_URI: the server at ${where} reports maxWireVersion ${String(v)}; ` +
        `MongoDB 5.0 (wire version ${minWireVersion}) or newer is required`,
    );
  }
}
