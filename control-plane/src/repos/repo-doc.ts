import type { Sealed } from "../security/secret-box.js";
import type { StoredDoc } from "../store/store.js";

/** Repository status: `Degraded` when the last refresh failed and an older index is served. */
export const repoStatuses = ["Enabled", "Degraded"] as const;

/** One of {@link repoStatuses}. */
export type RepoStatus = (typeof repoStatuses)[number];

/** A Helm chart repository as stored. GETs map through `toRepoView`; the password never leaves. */
export interface RepoDoc extends StoredDoc {
  readonly name: string;
  readonly description: string;
  /** Repository root; the index is `<url>/index.yaml`. */
  readonly url: string;
  readonly username?: string;
  /** Basic-auth password, sealed with the master key. */
  readonly password?: Sealed;
  readonly status: RepoStatus;
  readonly statusReason?: string;
  /** Validators of the stored index, for conditional GET. */
  readonly etag?: string;
  readonly lastModified?: string;
  readonly chartCount: number;
  readonly versionCount: number;
  /** Last time the index was fetched or confirmed unchanged. */
  readonly refreshedAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * The parsed index of a repository, kept apart from {@link RepoDoc} so that
 * listing repos never loads it. `data` is the gzipped JSON of the chart list,
 * so a restart serves charts without fetching or parsing the index again.
 */
export interface RepoIndexDoc extends StoredDoc {
  readonly format: "chart-index+json+gzip/v1";
  /** Base64 of the gzipped JSON; only its first part when `parts` > 1. */
  readonly data: string;
  /**
   * How many pieces `data` is cut into (1 when absent). MongoDB refuses
   * documents over 16 MiB, so a large index is split: pieces 1..parts-1 are
   * {@link RepoIndexPartDoc}s of this `generation`.
   */
  readonly parts?: number;
  readonly generation?: string;
  readonly updatedAt: string;
}

/** One further piece of a split {@link RepoIndexDoc}; id `<repoId>/<generation>/<n>`. */
export interface RepoIndexPartDoc extends StoredDoc {
  readonly repoId: string;
  readonly generation: string;
  readonly data: string;
}

/** Collection names and unique indexes. */
export const repoCollections = {
  repos: { name: "repos", options: { unique: [{ field: "name" }] } },
  indexes: { name: "repo_indexes", options: {} },
  indexParts: { name: "repo_index_parts", options: {} },
} as const;

/** The AAD context a repository's sealed password is bound to. */
export function repoPasswordContext(repoId: string): string {
  return `repo:${repoId}:password`;
}
