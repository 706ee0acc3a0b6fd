/** What the agent keeps after its first join. */
export interface SavedCredential {
  readonly clusterId: string;
  /** `<cluster-id>.<secret>`, presented instead of the join token from then on. */
  readonly credential: string;
}

/** Where the agent keeps its credential: a Kubernetes Secret in a pod, a file in host mode. */
export interface CredentialStore {
  load(): Promise<SavedCredential | undefined>;
  save(credential: SavedCredential): Promise<void>;
  /** Where it lives, for logs. */
  readonly location: string;
}
