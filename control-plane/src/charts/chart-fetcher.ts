import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { downloadToFile } from "../repos/http-download.js";
import type { ResolvedChart } from "../repos/repo-service.js";
import {
  type ArchiveLimits,
  type ChartContents,
  defaultArchiveLimits,
  readChartArchive,
} from "./chart-archive.js";

/** The port chart fetching needs from the repositories (RepoService implements it). */
export interface ChartResolver {
  resolve(ref: string, version?: string): Promise<ResolvedChart>;
}

/** What {@link ChartFetcher} is built from. */
export interface ChartFetcherDeps {
  readonly resolver: ChartResolver;
  /** Verified archives, one file per sha256 (e.g. `<dataDir>/charts`). */
  readonly cacheDir: string;
  readonly maxArchiveBytes?: number;
  readonly timeoutMs?: number;
  readonly archiveLimits?: ArchiveLimits;
}

/** A verified chart archive on disk and what it says about itself. */
export interface FetchedChart extends ChartContents {
  /** `<repo>/<chart>` as asked for. */
  readonly ref: string;
  readonly version: string;
  /** sha256 of the archive, hex; checked against the index. */
  readonly digest: string;
  /** The cached archive; `helm template` renders straight from it. */
  readonly archivePath: string;
}

/**
 * Resolves `<repo>/<chart>` and a version or range, downloads the archive,
 * checks its sha256 against the index (refusing a mismatch or a missing
 * digest), caches it by digest, and reads its metadata, defaults and schema.
 */
export class ChartFetcher {
  readonly #d: ChartFetcherDeps;
  readonly #inflight = new Map<string, Promise<string>>();

  constructor(deps: ChartFetcherDeps) {
    this.#d = deps;
  }

  /** Fetches (or takes from the cache) and reads one chart version. */
  async fetch(ref: string, version?: string): Promise<FetchedChart> {
    const resolved = await this.#d.resolver.resolve(ref, version);
    const digest = (resolved.version.digest ?? "").replace(/^sha256:/, "").toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(digest)) {
      throw new AppError(
        ErrorCode.FailedPrecondition,
        `${ref} ${resolved.version.version}: the index gives no sha256 digest, so the archive cannot be verified`,
      );
    }
    // One download per digest at a time, whoever asks.
    let pending = this.#inflight.get(digest);
    if (!pending) {
      pending = this.#ensure(resolved, digest).finally(() => this.#inflight.delete(digest));
      this.#inflight.set(digest, pending);
    }
    const archivePath = await pending;
    const contents = await readChartArchive(
      archivePath,
      this.#d.archiveLimits ?? defaultArchiveLimits,
    );
    if (contents.metadata.name !== resolved.chart) {
      throw new AppError(
        ErrorCode.FailedPrecondition,
        `${ref}: the archive holds chart ${contents.metadata.name}, not ${resolved.chart}`,
      );
    }
    return { ...contents, ref, version: resolved.version.version, digest, archivePath };
  }

  async #ensure(resolved: ResolvedChart, digest: string): Promise<string> {
    const dir = this.#d.cacheDir;
    const final = join(dir, `sha256-${digest}.tgz`);
    if (await exists(final)) {
      // Re-check on use: a damaged cache file is replaced, never rendered.
      if ((await sha256File(final)) === digest) return final;
      await rm(final, { force: true });
    }
    await mkdir(dir, { recursive: true });
    const part = join(dir, `.part-${randomUUID()}`);
    try {
      await downloadToFile(resolved.archiveUrl, part, {
        ...(resolved.auth ? { auth: resolved.auth } : {}),
        ...(resolved.allowLinkLocal ? { allowLinkLocal: true } : {}),
        maxBytes: this.#d.maxArchiveBytes ?? 20 * 1024 * 1024,
        timeoutMs: this.#d.timeoutMs ?? 60_000,
        what: "chart archive",
        field: "helmChart",
      });
      const actual = await sha256File(part);
      if (actual !== digest) {
        throw new AppError(
          ErrorCode.FailedPrecondition,
          `chart archive ${resolved.archiveUrl}: sha256 ${actual} does not match the index digest ${digest}; refusing it`,
        );
      }
      await rename(part, final);
      return final;
    } finally {
      await rm(part, { force: true });
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
