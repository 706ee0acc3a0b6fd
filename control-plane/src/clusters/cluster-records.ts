import type { Hello } from "@smart-orchestrator/shared";
import { type Collection, type NewDoc, updateWithRetry } from "../store/store.js";
import type { ClusterDoc, ClusterStatus } from "./cluster-doc.js";

/** A join token's stored half, as written on a cluster. */
export interface JoinTokenFields {
  readonly joinTokenId: string;
  readonly joinTokenHash: string;
  readonly joinTokenExpiresAt: string;
}

/**
 * Owns every write to cluster documents: registration, join tokens, agent
 * credentials and connection status. Each method is one intent and one
 * atomic document write. Other modules depend on small interfaces they
 * declare themselves (the hub's `CredentialRecords` and `PresenceRecords`).
 */
export class ClusterRecords {
  readonly #docs: Collection<ClusterDoc>;

  constructor(docs: Collection<ClusterDoc>) {
    this.#docs = docs;
  }

  /** Stores a newly registered cluster; `already_exists` on a name or cloud clash. */
  async register(doc: NewDoc<ClusterDoc>): Promise<ClusterDoc> {
    return this.#docs.insert(doc);
  }

  /**
   * Replaces the join token. The credential-use mark is cleared, so the new
   * token works for a re-join even after the credential has been in use.
   */
  async replaceJoinToken(id: string, token: JoinTokenFields, at: Date): Promise<boolean> {
    const updated = await updateWithRetry(this.#docs, id, (c) => {
      const { credentialUsedAt: _spent, _v, ...rest } = c;
      return { ...rest, ...token, updatedAt: at.toISOString() };
    });
    return updated !== undefined;
  }

  /**
   * Hands out an agent credential for a join: stores its hash if the join
   * token is still `tokenId` and unspent. True when it was stored.
   */
  async issueCredential(
    clusterId: string,
    tokenId: string,
    hash: string,
    at: Date,
  ): Promise<boolean> {
    const updated = await updateWithRetry(this.#docs, clusterId, (c) =>
      c.joinTokenId === tokenId && !c.credentialUsedAt
        ? { ...strip(c), credentialHash: hash, updatedAt: at.toISOString() }
        : undefined,
    );
    return updated?.credentialHash === hash;
  }

  /**
   * Replaces the credential of a cluster served from stored credentials
   * (the control plane runs its agent, so the credential counts as used).
   */
  async replaceManagedCredential(clusterId: string, hash: string, at: Date): Promise<void> {
    await updateWithRetry(this.#docs, clusterId, (c) => ({
      ...strip(c),
      credentialHash: hash,
      credentialUsedAt: c.credentialUsedAt ?? at.toISOString(),
      updatedAt: at.toISOString(),
    }));
  }

  /**
   * An agent said Hello: record what it runs and mark the cluster Enabled.
   * With `spendsCredentialHash`, also record the credential's first use
   * (which spends the join token). Writes nothing when nothing changed.
   */
  async markConnected(
    clusterId: string,
    hello: Hello,
    spends: string | undefined,
    at: Date,
  ): Promise<void> {
    const when = at.toISOString();
    await updateWithRetry(this.#docs, clusterId, (c) => {
      const spend = spends !== undefined && !c.credentialUsedAt && c.credentialHash === spends;
      const same =
        !spend &&
        c.status === "Enabled" &&
        c.agentVersion === hello.agentVersion &&
        c.kubernetesVersion === hello.kubernetesVersion &&
        c.distribution === hello.distribution &&
        sameList(c.architectures, hello.architectures);
      if (same) return undefined;
      const { statusReason: _drop, ...rest } = strip(c);
      return {
        ...rest,
        status: "Enabled" as ClusterStatus,
        agentVersion: hello.agentVersion,
        kubernetesVersion: hello.kubernetesVersion,
        distribution: hello.distribution || "other",
        ...(hello.cni && !c.cni ? { cni: hello.cni } : {}),
        architectures: [...hello.architectures],
        ...(spend ? { credentialUsedAt: when } : {}),
        lastSeenAt: when,
        updatedAt: when,
      };
    });
  }

  /** The cluster's session ended: Disconnected with the reason (no write when already so). */
  async markDisconnected(clusterId: string, reason: string, at: Date): Promise<void> {
    const when = at.toISOString();
    await updateWithRetry(this.#docs, clusterId, (c) =>
      c.status === "Disconnected"
        ? undefined
        : {
            ...strip(c),
            status: "Disconnected" as ClusterStatus,
            statusReason: reason,
            lastSeenAt: when,
            updatedAt: when,
          },
    );
  }

  /**
   * Shows why the agent the control plane runs for a cluster cannot serve
   * it (its last error), while the cluster is not Enabled. No write when
   * Enabled or when the reason is unchanged.
   */
  async recordAgentProblem(clusterId: string, reason: string, at: Date): Promise<void> {
    await updateWithRetry(this.#docs, clusterId, (c) =>
      c.status === "Enabled" || c.statusReason === reason
        ? undefined
        : { ...strip(c), statusReason: reason, updatedAt: at.toISOString() },
    );
  }

  /** Deletes a cluster's record; true when it existed. */
  remove(id: string): Promise<boolean> {
    return this.#docs.delete(id);
  }

  /** One cluster by id. */
  get(id: string): Promise<ClusterDoc | undefined> {
    return this.#docs.get(id);
  }

  /** One cluster by id or, failing that, by name. */
  async findByIdOrName(idOrName: string): Promise<ClusterDoc | undefined> {
    const byId = await this.#docs.get(idOrName);
    if (byId) return byId;
    const [byName] = await this.#docs.find({ name: idOrName }, { limit: 1 });
    return byName;
  }

  /** The cluster holding a join token id. */
  async findByJoinToken(tokenId: string): Promise<ClusterDoc | undefined> {
    const [doc] = await this.#docs.find({ joinTokenId: tokenId }, { limit: 1 });
    return doc;
  }

  /** Every cluster, by name. */
  list(): Promise<ClusterDoc[]> {
    return this.#docs.find({}, { sortBy: "name" });
  }

  /** Clusters in one status (e.g. Enabled, for the hub's restart sweep). */
  withStatus(status: ClusterStatus): Promise<ClusterDoc[]> {
    return this.#docs.find({ status });
  }

  /** The cloud cluster, if any. */
  async findCloud(): Promise<ClusterDoc | undefined> {
    const [cloud] = await this.#docs.find({ cloud: true }, { limit: 1 });
    return cloud;
  }

  /** How many clusters there are. */
  count(): Promise<number> {
    return this.#docs.count();
  }
}

function strip(doc: ClusterDoc): NewDoc<ClusterDoc> {
  const { _v, ...rest } = doc;
  return rest;
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}
