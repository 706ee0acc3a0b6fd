import { join } from "node:path";
import { MongoStore } from "./mongo-store.js";
import { SqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

/** Where the state lives: MongoDB when a URI is given, else the embedded file. */
export interface StoreLocation {
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
}

/** Opens the configured backend. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.mongodbUri) return MongoStore.connect(location.mongodbUri);
  return SqliteStore.open(join(location.dataDir, "smart-orchestrator.db"));
}
