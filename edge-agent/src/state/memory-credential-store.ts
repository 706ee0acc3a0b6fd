import type { CredentialStore, SavedCredential } from "./credential-store.js";

/**
 * Holds the credential in memory only: for agents the control plane runs
 * itself (credential clusters), which hand the credential over on each start.
 */
export class MemoryCredentialStore implements CredentialStore {
  readonly location = "memory (managed by the control plane)";
  #saved: SavedCredential | undefined;

  constructor(initial?: SavedCredential) {
    this.#saved = initial;
  }

  async load(): Promise<SavedCredential | undefined> {
    return this.#saved;
  }

  async save(credential: SavedCredential): Promise<void> {
    this.#saved = credential;
  }
}
