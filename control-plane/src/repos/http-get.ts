import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { pipeline, type Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import {
  forbiddenAddressError,
  forbiddenAddressReason,
  guardedLookup,
  type Resolve,
} from "./address-guard.js";

/** Options for {@link httpGet}. */
export interface HttpGetOptions {
  readonly headers: Readonly<Record<string, string>>;
  /** Aborts the request, every redirect and the body. */
  readonly signal: AbortSignal;
  /** Dial link-local and metadata addresses too (refused by default). */
  readonly allowLinkLocal?: boolean;
  /** How names are resolved (tests inject a fake); the system resolver by default. */
  readonly resolve?: Resolve;
  readonly maxRedirects?: number;
}

/** A final (non-redirect) response, its body decoded. */
export interface HttpGetResult {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  /** Whether the server encoded the body (then Content-Length counts encoded bytes). */
  readonly encoded: boolean;
  readonly body: Readable;
}

const redirects = new Set([301, 302, 303, 307, 308]);

/**
 * GETs `url` over node:http(s), following redirects itself so that every hop
 * is checked: only http(s), and never a link-local or metadata address,
 * whether given as a literal or reached through a name (checked when the
 * socket connects). Authorization is dropped when a redirect leaves the
 * origin, as fetch does. The body is decoded (gzip, deflate, br).
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResult> {
  const lookup = options.allowLinkLocal ? undefined : guardedLookup(options.resolve);
  let current = new URL(url);
  let headers: Record<string, string> = {
    "accept-encoding": "gzip, deflate, br",
    ...options.headers,
  };
  for (let hop = 0; ; hop++) {
    if (!options.allowLinkLocal) {
      // A literal address is dialled without a lookup, so it is checked here.
      const host = current.hostname.replace(/^\[|\]$/g, "");
      const reason = forbiddenAddressReason(host);
      if (reason) throw forbiddenAddressError(host, host, reason);
    }
    const res = await request(current, headers, options.signal, lookup);
    const location = res.headers.location;
    if (!redirects.has(res.statusCode ?? 0) || !location) return decoded(res);
    res.resume();
    if (hop >= (options.maxRedirects ?? 5)) throw new Error("too many redirects");
    const next = new URL(location, current);
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new Error(`redirect to a ${next.protocol} URL`);
    }
    if (next.origin !== current.origin) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    current = next;
  }
}

function request(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  lookup: LookupFunction | undefined,
): Promise<IncomingMessage> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // agent: false so that no pooled socket skips the connect-time address check.
    const req = send(url, { headers, signal, agent: false, ...(lookup ? { lookup } : {}) });
    req.once("response", resolve);
    req.once("error", reject);
    req.end();
  });
}

function decoded(res: IncomingMessage): HttpGetResult {
  const encoding = String(res.headers["content-encoding"] ?? "identity").toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : undefined;
  if (!decoder && encoding !== "identity") {
    res.destroy();
    throw new Error(`unsupported content-encoding ${encoding}`);
  }
  const body = decoder ? pipeline(res, decoder, () => {}) : res;
  return { status: res.statusCode ?? 0, headers: res.headers, encoded: !!decoder, body };
}
