import { AppError, ErrorCode } from "@smart-orchestrator/shared";

/** The database used when `MONGODB_URI` names none. */
export const defaultDatabase = "smart_orchestrator";

/** The parts of a MongoDB connection string this module needs. */
export interface MongoUriParts {
  /** `mongodb://` or `mongodb+srv://`. */
  readonly scheme: string;
  /** `user:pass@`, still percent-encoded, or "". */
  readonly userinfo: string;
  /** Hosts as written, e.g. `["a:27017", "b:27017"]` for a seed list. */
  readonly hosts: readonly string[];
  /** The database in the path, decoded; "" when the URI has no path. */
  readonly path: string;
  /** Everything from `?` on, or "". */
  readonly query: string;
}

// A database name MongoDB accepts on every platform, kept to a safe subset.
const databasePattern = /^[A-Za-z0-9_-]{1,63}$/;

/**
 * Splits a connection string. `new URL()` cannot be used: it rejects the
 * comma-separated seed lists of replica sets (`mongodb://a:27017,b:27017/`).
 * The spec requires `/`, `?`, `@` and `:` inside credentials to be
 * percent-encoded, so the first `/` or `?` after the last `@` ends the hosts.
 */
export function parseMongoUri(uri: string): MongoUriParts {
  const m = /^(mongodb(?:\+srv)?:\/\/)(.*)$/s.exec(uri);
  if (!m?.[1] || m[2] === undefined) {
    throw new AppError(
      ErrorCode.InvalidArgument,
      "MONGODB_URI must start with mongodb:// or mongodb+srv://",
    );
  }
  const rest = m[2];
  const at = rest.lastIndexOf("@", firstOf(rest, "/?", 0));
  const hostStart = at + 1;
  const hostEnd = firstOf(rest, "/?", hostStart);
  const hosts = rest.slice(hostStart, hostEnd).split(",");
  if (hosts.some((h) => h === "")) {
    throw new AppError(ErrorCode.InvalidArgument, "MONGODB_URI has an empty host");
  }
  const queryStart = rest.indexOf("?", hostEnd);
  const pathEnd = queryStart < 0 ? rest.length : queryStart;
  const rawPath = rest[hostEnd] === "/" ? rest.slice(hostEnd + 1, pathEnd) : "";
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new AppError(ErrorCode.InvalidArgument, "MONGODB_URI has a badly encoded database name");
  }
  return {
    scheme: m[1],
    userinfo: rest.slice(0, hostStart),
    hosts,
    path,
    query: queryStart < 0 ? "" : rest.slice(queryStart),
  };
}

/**
 * The database the control plane uses: the URI's path, else
 * {@link defaultDatabase}. The driver's own default (`test`) is never used.
 */
export function databaseName(uri: string): string {
  const { path } = parseMongoUri(uri);
  if (path === "") return defaultDatabase;
  if (!databasePattern.test(path)) {
    throw new AppError(
      ErrorCode.InvalidArgument,
      `MONGODB_URI names database "${path}"; use 1-63 of A-Z a-z 0-9 _ -`,
    );
  }
  return path;
}

/** The same URI with its database replaced (options and credentials kept). */
export function withDatabase(uri: string, database: string): string {
  const p = parseMongoUri(uri);
  return `${p.scheme}${p.userinfo}${p.hosts.join(",")}/${encodeURIComponent(database)}${p.query}`;
}

/** The URI without credentials or options, safe for logs and error messages. */
export function describeMongoUri(uri: string): string {
  try {
    const p = parseMongoUri(uri);
    return `${p.scheme}${p.hosts.join(",")}`;
  } catch {
    return "(unparsable URI)";
  }
}

function firstOf(s: string, chars: string, from: number): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i] as string)) return i;
  return s.length;
}
