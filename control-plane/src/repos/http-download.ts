import { open, rm } from "node:fs/promises";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { forbiddenAddressCode, type Resolve } from "./address-guard.js";
import { type HttpGetResult, httpGet } from "./http-get.js";

/** Basic-auth credentials for a repository. */
export interface BasicAuth {
  readonly username: string;
  readonly password: string;
}

/** Options for {@link downloadToFile}. */
export interface DownloadOptions {
  readonly auth?: BasicAuth;
  /** Extra request headers (conditional GET). */
  readonly headers?: Record<string, string>;
  /** The download is refused once it passes this many (decoded) bytes. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Names the thing being fetched in errors, e.g. "index" or "chart archive". */
  readonly what: string;
  /** The request field errors point at, e.g. "url". */
  readonly field?: string;
  /** Dial link-local and metadata addresses too (`SO_REPO_ALLOW_LINK_LOCAL`); refused by default. */
  readonly allowLinkLocal?: boolean;
  /** How host names are resolved; tests inject a fake. */
  readonly resolve?: Resolve;
}

/** Result of {@link downloadToFile}. */
export type DownloadResult =
  | { readonly status: "not-modified" }
  | {
      readonly status: "ok";
      readonly bytes: number;
      readonly etag?: string;
      readonly lastModified?: string;
    };

/**
 * GETs `url` into `file`, following redirects, with a size limit enforced
 * while streaming (a server can lie in Content-Length or gzip a bomb) and an
 * overall timeout. Link-local and metadata addresses are refused on every
 * hop unless `allowLinkLocal` (see {@link httpGet}). A 304 leaves `file`
 * untouched. Every failure is an `invalid_argument` AppError that says what
 * went wrong in words an operator can act on; the partial file is removed.
 */
export async function downloadToFile(
  url: string,
  file: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const field = options.field ?? "url";
  const fail = (reason: string, cause?: unknown): AppError =>
    new AppError(ErrorCode.InvalidArgument, `${options.what} ${url}: ${reason}`, {
      cause,
      fields: [{ field: reason.includes("credentials") ? "auth" : field, reason }],
    });
  const headers: Record<string, string> = {
    accept: "application/x-yaml, application/yaml, text/yaml, application/gzip, */*;q=0.5",
    "user-agent": "smart-orchestrator",
    ...options.headers,
  };
  if (options.auth) {
    const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString(
      "base64",
    );
    headers.authorization = `Basic ${token}`;
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  const reason = (err: unknown) =>
    signal.aborted ? timeoutReason(options.timeoutMs) : networkReason(err);
  let res: HttpGetResult;
  try {
    res = await httpGet(url, {
      headers,
      signal,
      ...(options.allowLinkLocal ? { allowLinkLocal: true } : {}),
      ...(options.resolve ? { resolve: options.resolve } : {}),
    });
  } catch (err) {
    throw fail(reason(err), err);
  }
  if (res.status === 304) {
    res.body.destroy();
    return { status: "not-modified" };
  }
  if (res.status < 200 || res.status > 299) {
    res.body.destroy();
    throw fail(httpReason(res.status, !!options.auth));
  }
  const declared = Number(res.headers["content-length"] ?? Number.NaN);
  if (!res.encoded && declared > options.maxBytes) {
    res.body.destroy();
    throw fail(
      `larger than the limit of ${formatBytes(options.maxBytes)} (${formatBytes(declared)})`,
    );
  }
  const fh = await open(file, "w");
  let bytes = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      bytes += chunk.byteLength;
      if (bytes > options.maxBytes) {
        throw fail(`larger than the limit of ${formatBytes(options.maxBytes)}`);
      }
      await fh.write(chunk);
    }
    if (!res.encoded && Number.isFinite(declared) && bytes < declared) {
      throw fail(`the download was cut off (${bytes} of ${declared} bytes)`);
    }
  } catch (err) {
    res.body.destroy();
    await fh.close();
    await rm(file, { force: true });
    if (err instanceof AppError) throw err;
    throw fail(`the download was cut off (${reason(err)})`, err);
  }
  await fh.close();
  const etag = res.headers.etag;
  const lastModified = res.headers["last-modified"];
  return {
    status: "ok",
    bytes,
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

function httpReason(status: number, withAuth: boolean): string {
  if (status === 401 || status === 403) {
    return withAuth
      ? `the repository refused the credentials (HTTP ${status})`
      : `the repository needs credentials (HTTP ${status}); add it with POST /repos/private`;
  }
  if (status === 404) return "not found (HTTP 404); is the URL the repository root?";
  return `the server answered HTTP ${status}`;
}

function timeoutReason(timeoutMs: number): string {
  return `no answer within ${Math.round(timeoutMs / 1000)} s`;
}

function networkReason(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code;
  if (code === forbiddenAddressCode) return e.message ?? "a forbidden address";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve";
  if (code === "ECONNREFUSED") return "connection refused (unreachable)";
  if (code === "ECONNRESET" || code === "EPIPE") return "the connection was reset";
  if (/redirect/i.test(e?.message ?? "")) return e?.message ?? "too many redirects";
  return `unreachable (${e?.message ?? String(err)})`;
}

/** `12.5 MiB`-style size for messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
