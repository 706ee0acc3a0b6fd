import { join } from "node:path";
import { defaultMongoLimits } from "./mongo-options.js";
import { MongoStore } from "./mongo-store.js";
import { SqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

/** Where the state lives: MongoDB when a URI is given, else the embedded file. */
export interface StoreLocation {
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  /** `SO_MONGODB_WTIMEOUT_MS`; 10 s when absent. */
  readonly mongodbWtimeoutMs?: number;
  /** `SO_MONGODB_MAX_TIME_MS`; 10 s when absent. */
  readonly mongodbMaxTimeMs?: number;
}

/**
 * Opens the configured backend. With MongoDB, rejects with one AppError
 * naming MONGODB_URI when the server is unreachable or older than 5.0.
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.mongodbUri) {
    return MongoStore.connect(location.mongodbUri, {
      limits: {
        wtimeoutMs: location.mongodbWtimeoutMs ?? defaultMongoLimits.wtimeoutMs,
        maxTimeMs: location.mongodbMaxTimeMs ?? defaultMongoLimits.maxTimeMs,
      },
    });
  }
  return SqliteStore.open(join(location.dataDir, "smart-orchestrator.db"));
}
