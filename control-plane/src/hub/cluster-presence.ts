import type { Hello, Logger } from "@smart-orchestrator/shared";
import type { ClusterDoc, ClusterStatus } from "../clusters/cluster-doc.js";
import { type Collection, updateWithRetry } from "../store/store.js";

/**
 * Writes a cluster's connection status to the store, only when it changes:
 * Enabled while an agent is connected, Disconnected once its session ends.
 */
export class ClusterPresence {
  readonly #clusters: Collection<ClusterDoc>;
  readonly #now: () => Date;
  readonly #log: Logger;

  constructor(clusters: Collection<ClusterDoc>, now: () => Date, log: Logger) {
    this.#clusters = clusters;
    this.#now = now;
    this.#log = log;
  }

  /** An agent said Hello: record what it runs and mark the cluster Enabled. */
  async connected(clusterId: string, hello: Hello): Promise<void> {
    const at = this.#now().toISOString();
    await updateWithRetry(this.#clusters, clusterId, (c) => {
      const same =
        c.status === "Enabled" &&
        c.agentVersion === hello.agentVersion &&
        c.kubernetesVersion === hello.kubernetesVersion &&
        c.distribution === hello.distribution &&
        sameList(c.architectures, hello.architectures);
      if (same) return undefined;
      const { statusReason: _drop, ...rest } = c;
      return {
        ...rest,
        status: "Enabled" as ClusterStatus,
        agentVersion: hello.agentVersion,
        kubernetesVersion: hello.kubernetesVersion,
        distribution: hello.distribution || "other",
        ...(hello.cni && !c.cni ? { cni: hello.cni } : {}),
        architectures: [...hello.architectures],
        lastSeenAt: at,
        updatedAt: at,
      };
    });
    this.#log.info({ clusterId, agentVersion: hello.agentVersion }, "cluster connected");
  }

  /** The cluster's session ended: mark it Disconnected with the reason. */
  async disconnected(clusterId: string, reason: string): Promise<void> {
    const at = this.#now().toISOString();
    await updateWithRetry(this.#clusters, clusterId, (c) =>
      c.status === "Disconnected"
        ? undefined
        : {
            ...c,
            status: "Disconnected" as ClusterStatus,
            statusReason: reason,
            lastSeenAt: at,
            updatedAt: at,
          },
    );
    this.#log.info({ clusterId, reason }, "cluster disconnected");
  }

  /**
   * After a hub restart, clusters the store still shows Enabled whose agent
   * has not come back are Disconnected; `isLive` says which ones are back.
   */
  async sweep(isLive: (clusterId: string) => boolean): Promise<number> {
    let n = 0;
    for (const c of await this.#clusters.find({ status: "Enabled" })) {
      if (isLive(c._id)) continue;
      await this.disconnected(c._id, "no agent connected since the hub restarted");
      // Each write is a synchronous commit on SQLite: yield so sessions keep being served.
      if (++n % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return n;
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}
