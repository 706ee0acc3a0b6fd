import type { Hello, Logger } from "@smart-orchestrator/shared";

/** The cluster-record writes presence makes (ClusterRecords implements it). */
export interface PresenceRecords {
  markConnected(
    clusterId: string,
    hello: Hello,
    spends: string | undefined,
    at: Date,
  ): Promise<void>;
  markDisconnected(clusterId: string, reason: string, at: Date): Promise<void>;
  withStatus(status: "Enabled"): Promise<readonly { readonly _id: string }[]>;
}

interface Pending {
  op: () => Promise<void>;
  readonly waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/**
 * Writes a cluster's connection status to the store, only when it changes:
 * Enabled while an agent is connected, Disconnected once its session ends.
 *
 * Writes go through one queue that keeps only the newest change per cluster
 * and yields to the event loop between batches: on SQLite each commit blocks
 * for 1-3 ms, and a fleet's first connections (thousands at once) must not
 * starve the sessions that are already up.
 */
export class ClusterPresence {
  readonly #clusters: PresenceRecords;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #queue = new Map<string, Pending>();
  #running = false;
  #draining: Promise<void> = Promise.resolve();

  constructor(clusters: PresenceRecords, now: () => Date, log: Logger) {
    this.#clusters = clusters;
    this.#now = now;
    this.#log = log;
  }

  /**
   * An agent said Hello: record what it runs and mark the cluster Enabled.
   * With `spendsCredentialHash`, also record the credential's first use
   * (which spends the join token) in the same write. Resolves once written.
   */
  connected(clusterId: string, hello: Hello, spendsCredentialHash?: string): Promise<void> {
    return this.#enqueue(clusterId, () =>
      this.#writeConnected(clusterId, hello, spendsCredentialHash),
    );
  }

  /** The cluster's session ended: mark it Disconnected with the reason. Resolves once written. */
  disconnected(clusterId: string, reason: string): Promise<void> {
    return this.#enqueue(clusterId, () => this.#writeDisconnected(clusterId, reason));
  }

  /** Resolves when every queued write is done. */
  async flush(): Promise<void> {
    while (this.#running) await this.#draining;
  }

  #enqueue(clusterId: string, op: () => Promise<void>): Promise<void> {
    const pending = this.#queue.get(clusterId);
    const entry: Pending = pending ?? { op, waiters: [] };
    entry.op = op;
    if (!pending) this.#queue.set(clusterId, entry);
    const done = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    if (!this.#running) {
      this.#running = true;
      this.#draining = this.#drain();
    }
    return done;
  }

  async #drain(): Promise<void> {
    // Start on the next turn, so changes made in the same turn coalesce.
    await new Promise((resolve) => setImmediate(resolve));
    let written = 0;
    for (;;) {
      const next = this.#queue.entries().next();
      if (next.done) {
        // Cleared in the same synchronous step as the emptiness check, so an
        // enqueue after this point starts a new drain.
        this.#running = false;
        return;
      }
      const [clusterId, entry] = next.value;
      this.#queue.delete(clusterId);
      try {
        await entry.op();
        for (const w of entry.waiters) w.resolve();
      } catch (err) {
        for (const w of entry.waiters) w.reject(err);
      }
      if (++written % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #writeConnected(clusterId: string, hello: Hello, spends?: string): Promise<void> {
    await this.#clusters.markConnected(clusterId, hello, spends, this.#now());
    this.#log.info({ clusterId, agentVersion: hello.agentVersion }, "cluster connected");
  }

  async #writeDisconnected(clusterId: string, reason: string): Promise<void> {
    await this.#clusters.markDisconnected(clusterId, reason, this.#now());
    this.#log.info({ clusterId, reason }, "cluster disconnected");
  }

  /**
   * After a hub restart, clusters the store still shows Enabled whose agent
   * has not come back are Disconnected; `isLive` says which ones are back.
   */
  async sweep(isLive: (clusterId: string) => boolean): Promise<number> {
    let n = 0;
    for (const c of await this.#clusters.withStatus("Enabled")) {
      if (isLive(c._id)) continue;
      // Queued, so the writes yield to the sessions being served meanwhile.
      void this.disconnected(c._id, "no agent connected since the hub restarted").catch(
        () => undefined,
      );
      n++;
    }
    return n;
  }
}
