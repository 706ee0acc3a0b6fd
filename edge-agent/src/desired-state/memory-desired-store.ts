import type { DesiredRelease, DesiredStateStore } from "./desired-release.js";

/**
 * Keeps desired states in memory only, for tests of the keeper and its
 * parts. No agent uses it: every agent's state must outlive its process.
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
