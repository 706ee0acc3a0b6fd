import type { DesiredRelease, DesiredStateStore } from "./desired-release.js";

/**
 * Keeps desired states in memory only: for agents the control plane runs
 * itself (credential clusters), which have no edge to be autonomous at.
 */
export class MemoryDesiredStore implements DesiredStateStore {
  readonly location = "memory";
  readonly #held = new Map<string, DesiredRelease>();

  async save(release: DesiredRelease): Promise<void> {
    this.#held.set(release.enablerId, release);
  }

  async remove(enablerId: string): Promise<void> {
    this.#held.delete(enablerId);
  }

  async loadAll(): Promise<{ releases: DesiredRelease[]; damaged: string[] }> {
    return { releases: [...this.#held.values()], damaged: [] };
  }
}
