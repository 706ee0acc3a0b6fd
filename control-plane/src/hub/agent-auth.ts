import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import type { ClusterDoc } from "../clusters/cluster-doc.js";
import { parseJoinToken } from "../clusters/join-token.js";
import { hashSecret, randomSecret, secretMatches } from "../security/tokens.js";

/** The cluster-record access authentication needs (ClusterRecords implements it). */
export interface CredentialRecords {
  get(clusterId: string): Promise<ClusterDoc | undefined>;
  findByJoinToken(tokenId: string): Promise<ClusterDoc | undefined>;
  /** Stores the credential's hash if the join token is still `tokenId` and unspent; true when stored. */
  issueCredential(clusterId: string, tokenId: string, hash: string, at: Date): Promise<boolean>;
}

/** Who a stream acts as, once authenticated. */
export interface AgentIdentity {
  readonly clusterId: string;
  /** Set when the stream joined with a token: the new credential to hand over in Welcome. */
  readonly issuedCredential?: string;
  /** Set on a credential's first use: record it (spending the join token) if the hash is still this one. */
  readonly spendsCredentialHash?: string;
}

/** What {@link AgentAuthenticator} is built from. */
export interface AgentAuthDeps {
  readonly clusters: CredentialRecords;
  readonly now: () => Date;
}

const credentialPattern = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{20,})$/;

/**
 * Authenticates agents kubeadm-style: a join token is exchanged for a
 * per-cluster credential `<cluster-id>.<secret>`, stored only as a SHA-256
 * hash. The token keeps working until its TTL or until the credential has
 * been used once, so a lost Welcome does not lock the cluster out. A
 * credential acts only as its own cluster.
 */
export class AgentAuthenticator {
  readonly #d: AgentAuthDeps;

  constructor(deps: AgentAuthDeps) {
    this.#d = deps;
  }

  /**
   * Checks the bearer value and the claimed cluster id from the stream
   * metadata. Throws `unauthenticated` or `permission_denied` with a reason
   * safe to show the agent.
   */
  async authenticate(
    bearer: string | undefined,
    claimedClusterId: string | undefined,
  ): Promise<AgentIdentity> {
    if (!bearer)
      throw new AppError(
        ErrorCode.Unauthenticated,
        "missing authorization: Bearer <join token or credential>",
      );
    const join = parseJoinToken(bearer);
    if (join) return this.#join(join.id, join.secret, claimedClusterId);
    const cred = credentialPattern.exec(bearer);
    if (cred?.[1] && cred[2]) return this.#credential(cred[1], bearer, claimedClusterId);
    throw new AppError(
      ErrorCode.Unauthenticated,
      "authorization is neither a join token nor a cluster credential",
    );
  }

  async #join(
    tokenId: string,
    secret: string,
    claimed: string | undefined,
  ): Promise<AgentIdentity> {
    const cluster = await this.#d.clusters.findByJoinToken(tokenId);
    if (!cluster?.joinTokenHash || !secretMatches(secret, cluster.joinTokenHash)) {
      throw new AppError(ErrorCode.Unauthenticated, "unknown join token");
    }
    if (claimed && claimed !== cluster._id) {
      throw new AppError(ErrorCode.PermissionDenied, "the join token belongs to another cluster");
    }
    if (cluster.credentialUsedAt) {
      throw new AppError(
        ErrorCode.Unauthenticated,
        "join token already spent: this cluster's credential is in use; issue a new token to re-join",
      );
    }
    if (
      !cluster.joinTokenExpiresAt ||
      Date.parse(cluster.joinTokenExpiresAt) <= this.#d.now().getTime()
    ) {
      throw new AppError(
        ErrorCode.Unauthenticated,
        "join token expired; issue a new one with POST /clusters/:id/token",
      );
    }
    const credential = `${cluster._id}.${randomSecret(32)}`;
    const stored = await this.#d.clusters.issueCredential(
      cluster._id,
      tokenId,
      hashSecret(credential),
      this.#d.now(),
    );
    if (!stored) {
      throw new AppError(ErrorCode.Unauthenticated, "join token was spent or replaced meanwhile");
    }
    return { clusterId: cluster._id, issuedCredential: credential };
  }

  async #credential(
    clusterId: string,
    credential: string,
    claimed: string | undefined,
  ): Promise<AgentIdentity> {
    if (claimed && claimed !== clusterId) {
      throw new AppError(
        ErrorCode.PermissionDenied,
        `this credential cannot act as cluster ${claimed}`,
      );
    }
    const cluster = await this.#d.clusters.get(clusterId);
    if (!cluster?.credentialHash || !secretMatches(credential, cluster.credentialHash)) {
      throw new AppError(ErrorCode.Unauthenticated, "unknown or revoked cluster credential");
    }
    // The first use of a credential spends the join token (it proves Welcome
    // arrived). It is recorded with the connection's status write, one queued
    // store write instead of a synchronous one before Welcome.
    if (!cluster.credentialUsedAt)
      return { clusterId, spendsCredentialHash: cluster.credentialHash };
    return { clusterId };
  }
}
