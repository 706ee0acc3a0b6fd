import { join } from "node:path";
import type { Logger } from "@smart-orchestrator/shared";
import type { SecretBox } from "../security/secret-box.js";
import type { Store } from "../store/store.js";
import {
  type RepoDoc,
  type RepoIndexDoc,
  type RepoIndexPartDoc,
  repoCollections,
} from "./repo-doc.js";
import { type RepoLimits, RepoService } from "./repo-service.js";

/** What {@link createRepoService} needs from the composition root. */
export interface CreateRepoServiceOptions {
  readonly store: Store;
  readonly secrets: SecretBox;
  readonly now: () => Date;
  readonly log: Logger;
  /** The control plane's data folder; downloads in progress go to `<dataDir>/tmp`. */
  readonly dataDir: string;
  readonly limits?: Partial<RepoLimits>;
  /** `SO_REPO_ALLOW_LINK_LOCAL`: downloads may reach link-local and metadata addresses. */
  readonly allowLinkLocal?: boolean;
}

/** Opens the repository collections and builds the service, so the composition root stays short. */
export async function createRepoService(options: CreateRepoServiceOptions): Promise<RepoService> {
  const { repos, indexes, indexParts } = repoCollections;
  return new RepoService({
    repos: await options.store.collection<RepoDoc>(repos.name, repos.options),
    indexes: await options.store.collection<RepoIndexDoc>(indexes.name, indexes.options),
    indexParts: await options.store.collection<RepoIndexPartDoc>(
      indexParts.name,
      indexParts.options,
    ),
    secrets: options.secrets,
    now: options.now,
    log: options.log.child({ component: "repos" }),
    workDir: join(options.dataDir, "tmp"),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.allowLinkLocal ? { allowLinkLocal: true } : {}),
  });
}
