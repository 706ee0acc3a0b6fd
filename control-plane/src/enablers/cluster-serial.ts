/**
 * Runs work per cluster one piece at a time, in the order it was handed in;
 * different clusters run in parallel. The agent's messages are handled so:
 * a ReleaseStatus the agent sent before a CommandResult is reconciled
 * before that result is recorded, never after (which would read a release
 * the agent had not saved yet as missing, and apply it again).
 */
export class ClusterSerial {
  readonly #chains = new Map<string, Promise<unknown>>();

  /** Queues `work` behind the cluster's earlier work; a failure does not stop the queue. */
  run<T>(clusterId: string, work: () => Promise<T>): Promise<T> {
    const before = this.#chains.get(clusterId) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(work);
    this.#chains.set(clusterId, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.#chains.get(clusterId) === next) this.#chains.delete(clusterId);
      });
    return next;
  }
}
