import type { Sealed } from "../security/secret-box.js";
import type { StoredDoc } from "../store/store.js";

/** Cluster status: the original enabler's four values plus `Disconnected`. */
export const clusterStatuses = ["Pending", "Enabled", "Degraded", "Error", "Disconnected"] as const;

/** One of {@link clusterStatuses}. */
export type ClusterStatus = (typeof clusterStatuses)[number];

/** A member cluster as stored. Secrets are sealed or hashed; GETs map through `toClusterView`. */
export interface ClusterDoc extends StoredDoc {
  readonly name: string;
  readonly description: string;
  readonly cloud: boolean;
  /** Set to "cloud" only on the cloud cluster; a unique sparse index keeps it to one. */
  readonly cloudMarker?: "cloud";
  readonly cni: string;
  readonly status: ClusterStatus;
  readonly statusReason?: string;
  /** Kubeconfig given at registration, sealed with the master key. */
  readonly credentials?: Sealed;
  /** Public half of the current join token (`<id>.<secret>`); unique, sparse. */
  readonly joinTokenId?: string;
  readonly joinTokenHash?: string;
  readonly joinTokenExpiresAt?: string;
  /** SHA-256 of the agent credential handed out in Welcome. */
  readonly credentialHash?: string;
  /** First time the credential was used; from then on the join token is spent. */
  readonly credentialUsedAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastSeenAt?: string;
  readonly lastReportAt?: string;
  readonly agentVersion?: string;
  readonly kubernetesVersion?: string;
  readonly distribution?: string;
  readonly architectures?: readonly string[];
}

/** The collection name and its unique indexes. */
export const clusterCollection = {
  name: "clusters",
  options: {
    unique: [
      { field: "name" },
      { field: "cloudMarker", sparse: true },
      { field: "joinTokenId", sparse: true },
    ],
  },
} as const;
