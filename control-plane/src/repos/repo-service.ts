import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppError, ErrorCode, type Logger } from "@smart-orchestrator/shared";
import type { SecretBox } from "../security/secret-box.js";
import { type Collection, type NewDoc, updateWithRetry } from "../store/store.js";
import { type ChartIndex, type ChartVersionInfo, pickVersion } from "./chart-index.js";
import { type BasicAuth, downloadToFile } from "./http-download.js";
import { parseIndexFile } from "./index-parser.js";
import { mapLimit } from "./map-limit.js";
import {
  type RepoDoc,
  type RepoIndexDoc,
  type RepoIndexPartDoc,
  repoPasswordContext,
} from "./repo-doc.js";
import { type CachedIndex, RepoIndexCache } from "./repo-index-cache.js";
import type { AddRepoInput, RepoRefreshView, RepoView } from "./repo-schemas.js";

/** Limits on what a repository may cost us. */
export interface RepoLimits {
  /** Largest index accepted, decoded bytes. Real public indexes reach tens of MB. */
  readonly maxIndexBytes: number;
  readonly fetchTimeoutMs: number;
  /** How many repositories `POST /repos/update` refreshes at once. */
  readonly refreshConcurrency: number;
}

/** Defaults for {@link RepoLimits}. */
export const defaultRepoLimits: RepoLimits = {
  maxIndexBytes: 128 * 1024 * 1024,
  fetchTimeoutMs: 60_000,
  refreshConcurrency: 4,
};

/** What {@link RepoService} is built from. */
export interface RepoServiceDeps {
  readonly repos: Collection<RepoDoc>;
  readonly indexes: Collection<RepoIndexDoc>;
  /** Further pieces of indexes too large for one document. */
  readonly indexParts: Collection<RepoIndexPartDoc>;
  readonly secrets: SecretBox;
  readonly now: () => Date;
  readonly log: Logger;
  /** Folder for downloads in progress (created on demand). */
  readonly workDir: string;
  readonly limits?: Partial<RepoLimits>;
  /** Let index and chart downloads reach link-local and metadata addresses (refused by default). */
  readonly allowLinkLocal?: boolean;
}

/** A chart version resolved in a repository's index, with what it takes to download it. */
export interface ResolvedChart {
  readonly repoId: string;
  readonly repoName: string;
  readonly chart: string;
  readonly version: ChartVersionInfo;
  /** Absolute archive URL (relative index URLs resolved against the repository URL). */
  readonly archiveUrl: string;
  /** Set only when the archive lives on the repository's own origin, as Helm does. */
  readonly auth?: BasicAuth;
  /** The archive may be fetched from a link-local or metadata address (operator opt-in). */
  readonly allowLinkLocal?: boolean;
}

/**
 * Helm chart repositories: add (fetching and checking the index at once),
 * list, refresh, delete, and resolve `<repo>/<chart>` to a version. A failed
 * add stores nothing; a failed refresh keeps the last good index.
 */
export class RepoService {
  readonly #d: RepoServiceDeps;
  readonly #limits: RepoLimits;
  readonly #cache: RepoIndexCache;
  readonly #refreshing = new Map<string, Promise<RepoRefreshView>>();

  constructor(deps: RepoServiceDeps) {
    this.#d = deps;
    this.#limits = { ...defaultRepoLimits, ...deps.limits };
    this.#cache = new RepoIndexCache({ docs: deps.indexes, parts: deps.indexParts, now: deps.now });
  }

  /** Adds a repository after fetching and parsing its index; rejects with 4xx codes otherwise. */
  async add(input: AddRepoInput): Promise<{ uid: string }> {
    if ((await this.#d.repos.count({ name: input.name })) > 0) throw duplicate(input.name);
    const id = randomUUID();
    const fetched = await this.#fetchIndex(input.url, input.auth, {});
    if (fetched.status !== "ok") throw new AppError(ErrorCode.Internal, "unexpected 304");
    const now = this.#d.now().toISOString();
    const doc: NewDoc<RepoDoc> = {
      _id: id,
      name: input.name,
      description: input.description,
      url: normaliseUrl(input.url),
      ...(input.auth
        ? {
            username: input.auth.username,
            password: this.#d.secrets.seal(input.auth.password, repoPasswordContext(id)),
          }
        : {}),
      status: "Enabled",
      ...counts(fetched.index),
      ...validators(fetched),
      refreshedAt: now,
      createdAt: now,
      updatedAt: now,
    };
    await this.#cache.put(id, fetched.index);
    try {
      await this.#d.repos.insert(doc);
    } catch (err) {
      await this.#cache.remove(id);
      if (err instanceof AppError && err.code === ErrorCode.AlreadyExists)
        throw duplicate(input.name);
      throw err;
    }
    this.#d.log.info({ repo: input.name, charts: doc.chartCount }, "helm repository added");
    return { uid: id };
  }

  /** All repositories, by name. */
  async list(): Promise<RepoView[]> {
    return (await this.#d.repos.find({}, { sortBy: "name" })).map(toRepoView);
  }

  /** The `GET /repos/charts/:id` body, already serialised. */
  async chartsJson(id: string): Promise<string> {
    return (await this.#indexOf(await this.#require(id))).chartsJson;
  }

  /** Re-fetches every index (conditional GET), a bounded number at a time. */
  async refreshAll(): Promise<RepoRefreshView[]> {
    const repos = await this.#d.repos.find({}, { sortBy: "name" });
    const results = await mapLimit(repos, this.#limits.refreshConcurrency, (r) =>
      // A repository deleted meanwhile simply drops out of the answer.
      this.refresh(r._id).catch((err: unknown) => {
        if (err instanceof AppError && err.code === ErrorCode.NotFound) return undefined;
        throw err;
      }),
    );
    return results.filter((r): r is RepoRefreshView => r !== undefined);
  }

  /** Re-fetches one index; concurrent calls for the same repository share one fetch. */
  refresh(id: string): Promise<RepoRefreshView> {
    let pending = this.#refreshing.get(id);
    if (!pending) {
      pending = this.#refresh(id).finally(() => this.#refreshing.delete(id));
      this.#refreshing.set(id, pending);
    }
    return pending;
  }

  /** Deletes a repository and its stored index. */
  async delete(id: string): Promise<void> {
    if (!(await this.#d.repos.delete(id))) {
      throw new AppError(ErrorCode.NotFound, `repository ${id} not found`);
    }
    await this.#cache.remove(id);
  }

  /**
   * Resolves `<repo>/<chart>` and a version or semver range (newest stable
   * when absent) in the cached index. `not_found` says which part is unknown.
   */
  async resolve(ref: string, version?: string): Promise<ResolvedChart> {
    const slash = ref.indexOf("/");
    if (slash <= 0 || slash === ref.length - 1 || ref.indexOf("/", slash + 1) >= 0) {
      throw new AppError(ErrorCode.InvalidArgument, `chart "${ref}" must be <repo>/<chart>`, {
        fields: [{ field: "helmChart", reason: "must be <repo>/<chart>" }],
      });
    }
    const repoName = ref.slice(0, slash);
    const chartName = ref.slice(slash + 1);
    const [repo] = await this.#d.repos.find({ name: repoName });
    if (!repo) throw new AppError(ErrorCode.NotFound, `repository ${repoName} not found`);
    const { index } = await this.#indexOf(repo);
    const chart = index.charts.find((c) => c.name === chartName);
    if (!chart) {
      throw new AppError(
        ErrorCode.NotFound,
        `chart ${chartName} not found in repository ${repoName}`,
      );
    }
    const picked = pickVersion(chart, version);
    if (!picked) {
      const want = version ? `version "${version}"` : "stable version";
      const newest = chart.versions
        .slice(0, 5)
        .map((v) => v.version)
        .join(", ");
      throw new AppError(ErrorCode.NotFound, `${ref} has no ${want} (newest: ${newest})`);
    }
    const base = `${repo.url}/`;
    const archiveUrl = new URL(picked.urls[0] ?? "", base).toString();
    const auth = this.#auth(repo);
    const sameOrigin = new URL(archiveUrl).origin === new URL(base).origin;
    return {
      repoId: repo._id,
      repoName,
      chart: chartName,
      version: picked,
      archiveUrl,
      ...(auth && sameOrigin ? { auth } : {}),
      ...(this.#d.allowLinkLocal ? { allowLinkLocal: true } : {}),
    };
  }

  async #refresh(id: string): Promise<RepoRefreshView> {
    const repo = await this.#require(id);
    const have = await this.#cache.get(id);
    let changed = false;
    let reason: string | undefined;
    let next: ChartIndex | undefined;
    let found: { etag?: string; lastModified?: string } = {};
    try {
      // Without a stored index, ask for the whole file whatever the validators say.
      const fetched = await this.#fetchIndex(repo.url, this.#auth(repo), have ? repo : {});
      if (fetched.status === "ok") {
        await this.#cache.put(id, fetched.index);
        next = fetched.index;
        found = validators(fetched);
        changed = true;
      }
    } catch (err) {
      reason = AppError.from(err).message;
      this.#d.log.warn({ repo: repo.name, err: reason }, "helm repository refresh failed");
    }
    const now = this.#d.now().toISOString();
    const saved = await updateWithRetry(this.#d.repos, id, (cur) => {
      const { statusReason: _old, etag: _e, lastModified: _l, ...rest } = cur;
      const keep = changed ? found : validators(cur);
      if (reason !== undefined) {
        return {
          ...rest,
          ...keep,
          status: "Degraded" as const,
          statusReason: reason,
          updatedAt: now,
        };
      }
      return {
        ...rest,
        ...keep,
        ...(next ? counts(next) : {}),
        status: "Enabled" as const,
        refreshedAt: now,
        updatedAt: now,
      };
    });
    // Deleted while we fetched: drop what we may just have stored for it.
    if (!saved) {
      await this.#cache.remove(id);
      throw new AppError(ErrorCode.NotFound, `repository ${id} was deleted`);
    }
    return {
      uid: id,
      name: saved.name,
      status: saved.status,
      ...(saved.statusReason ? { statusReason: saved.statusReason } : {}),
      changed,
    };
  }

  async #fetchIndex(
    url: string,
    auth: BasicAuth | undefined,
    cond: { etag?: string; lastModified?: string },
  ): Promise<
    | { status: "not-modified" }
    | { status: "ok"; index: ChartIndex; etag?: string; lastModified?: string }
  > {
    const indexUrl = `${normaliseUrl(url)}/index.yaml`;
    await mkdir(this.#d.workDir, { recursive: true });
    const file = join(this.#d.workDir, `index-${randomUUID()}.yaml`);
    const headers: Record<string, string> = {};
    if (cond.etag) headers["if-none-match"] = cond.etag;
    if (cond.lastModified) headers["if-modified-since"] = cond.lastModified;
    try {
      const got = await downloadToFile(indexUrl, file, {
        ...(auth ? { auth } : {}),
        headers,
        maxBytes: this.#limits.maxIndexBytes,
        timeoutMs: this.#limits.fetchTimeoutMs,
        what: "index",
        ...(this.#d.allowLinkLocal ? { allowLinkLocal: true } : {}),
      });
      if (got.status === "not-modified") return got;
      let parsed: Awaited<ReturnType<typeof parseIndexFile>>;
      try {
        parsed = await parseIndexFile(file);
      } catch (err) {
        const e = AppError.from(err);
        throw new AppError(e.code, `index ${indexUrl}: ${e.message}`, {
          cause: err,
          fields: [{ field: "url", reason: e.message }],
        });
      }
      return { status: "ok", index: parsed.index, ...validators(got) };
    } finally {
      await rm(file, { force: true });
    }
  }

  async #indexOf(repo: RepoDoc): Promise<CachedIndex> {
    const cached = await this.#cache.get(repo._id);
    if (!cached) {
      throw new AppError(
        ErrorCode.Unavailable,
        `the index of repository ${repo.name} is missing; run POST /repos/update`,
      );
    }
    return cached;
  }

  #auth(repo: RepoDoc): BasicAuth | undefined {
    if (!repo.username || !repo.password) return undefined;
    const password = this.#d.secrets.open<string>(repo.password, repoPasswordContext(repo._id));
    return { username: repo.username, password };
  }

  async #require(id: string): Promise<RepoDoc> {
    const doc = await this.#d.repos.get(id);
    if (!doc) throw new AppError(ErrorCode.NotFound, `repository ${id} not found`);
    return doc;
  }
}

/** The public view of a repository: no password, no validators. */
export function toRepoView(doc: RepoDoc): RepoView {
  return {
    uid: doc._id,
    _id: doc._id,
    name: doc.name,
    description: doc.description,
    url: doc.url,
    private: doc.password !== undefined,
    ...(doc.username ? { username: doc.username } : {}),
    status: doc.status,
    ...(doc.statusReason ? { statusReason: doc.statusReason } : {}),
    charts: doc.chartCount,
    versions: doc.versionCount,
    refreshedAt: doc.refreshedAt,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function counts(index: ChartIndex): { chartCount: number; versionCount: number } {
  let versionCount = 0;
  for (const c of index.charts) versionCount += c.versions.length;
  return { chartCount: index.charts.length, versionCount };
}

function validators(x: { etag?: string; lastModified?: string }): {
  etag?: string;
  lastModified?: string;
} {
  return {
    ...(x.etag ? { etag: x.etag } : {}),
    ...(x.lastModified ? { lastModified: x.lastModified } : {}),
  };
}

function normaliseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

function duplicate(name: string): AppError {
  return new AppError(ErrorCode.AlreadyExists, `a repository named ${name} already exists`, {
    fields: [{ field: "name", reason: "already exists" }],
  });
}
