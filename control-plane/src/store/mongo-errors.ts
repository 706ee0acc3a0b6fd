import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import {
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from "mongodb";

// Server codes meaning "no primary to talk to right now" or "gave up waiting":
// the request may well succeed once the replica set has elected or caught up.
const outageCodes = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired: our read time limit
  64, // WriteConcernFailed / WriteConcernTimeout: wtimeoutMS passed
  89, // NetworkTimeout
  91, // ShutdownInProgress
  133, // FailedToSatisfyReadPreference
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

// Server codes for a document over the 16 MiB BSON limit.
const tooLargeCodes = new Set([
  10334, // BSONObjectTooLarge
  17419, // document after update too large
  17420, // replacement document too large
]);

/**
 * True when the error means MongoDB is out of reach or cannot currently
 * accept the operation: server selection, network, not-primary, a write
 * concern that timed out, or a closed client. These become 503, not 500.
 */
export function isMongoOutage(err: unknown): boolean {
  if (
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNetworkError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoOperationTimeoutError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoClientClosedError ||
    err instanceof MongoServerClosedError
  ) {
    return true;
  }
  if (err instanceof MongoWriteConcernError) {
    const wce = (err.result as { writeConcernError?: { code?: unknown; errInfo?: unknown } })
      .writeConcernError;
    const timedOut = (wce?.errInfo as { wtimeout?: unknown } | undefined)?.wtimeout === true;
    return timedOut || outageCodes.has(Number(wce?.code ?? err.code));
  }
  if (err instanceof MongoError) {
    // The server and the driver label transient write failures this way.
    if (err.hasErrorLabel("RetryableWriteError")) return true;
    return outageCodes.has(Number(err.code));
  }
  return false;
}

/**
 * Maps a driver error to an {@link AppError} (anything unrecognised passes
 * through, to surface as 500). `collection` and `id` name the document in
 * messages; a duplicate key names the clashing field from `keyPattern`.
 */
export function mapMongoError(err: unknown, collection: string, id?: string): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof MongoServerError && Number(err.code) === 11000) {
    const field = duplicateField(err);
    const what =
      field && field !== "_id"
        ? `a document with the same ${field}`
        : `${collection}/${id ?? "(unknown)"}`;
    return new AppError(ErrorCode.AlreadyExists, `${what} already exists`, { cause: err });
  }
  if (isMongoOutage(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    return new AppError(ErrorCode.Unavailable, `MongoDB is unavailable: ${reason}`, {
      cause: err,
    });
  }
  if (err instanceof MongoServerError && isTooLarge(err)) {
    return new AppError(
      ErrorCode.PayloadTooLarge,
      `${collection}/${id ?? "(unknown)"} exceeds MongoDB's 16 MiB document limit`,
      { cause: err },
    );
  }
  return err;
}

/**
 * Over 16 MiB. mongod reports an oversized insert as BadValue (2) "object to
 * insert too large", so that one code is told apart by its message.
 */
function isTooLarge(err: MongoServerError): boolean {
  const code = Number(err.code);
  return tooLargeCodes.has(code) || (code === 2 && /too large/i.test(err.message));
}

/** The one field of the unique index a duplicate-key error reports, from `keyPattern`. */
function duplicateField(err: MongoServerError): string | undefined {
  const pattern: unknown = err.keyPattern;
  if (pattern === null || typeof pattern !== "object") return undefined;
  const fields = Object.keys(pattern);
  return fields.length === 1 ? fields[0] : undefined;
}
