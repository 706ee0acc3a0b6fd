import type { StoredDoc } from "../store/store.js";

/**
 * The part of an enabler record other modules rely on before the deploy
 * work defines the rest: which cluster it runs on.
 */
export interface EnablerRef extends StoredDoc {
  readonly name: string;
  /** Id of the cluster the enabler is placed on. */
  readonly cluster: string;
}

/** Name of the enablers collection. */
export const enablerCollectionName = "enablers";
