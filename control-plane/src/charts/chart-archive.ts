import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import tar from "tar-stream";
import { parse as parseYaml } from "yaml";

/** Limits on what a chart archive may contain (Helm's own are 5 MiB per file, 100 MiB in all). */
export interface ArchiveLimits {
  readonly maxEntryBytes: number;
  readonly maxTotalBytes: number;
  readonly maxEntries: number;
}

/** Defaults for {@link ArchiveLimits}. */
export const defaultArchiveLimits: ArchiveLimits = {
  maxEntryBytes: 5 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxEntries: 10_000,
};

/** The `Chart.yaml` fields we use. */
export interface ChartMetadata {
  readonly apiVersion: string;
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  readonly kubeVersion?: string;
  readonly type?: string;
  readonly description?: string;
}

/** What a chart archive tells us without rendering it. */
export interface ChartContents {
  readonly metadata: ChartMetadata;
  /** `values.yaml`, parsed; `{}` when absent. */
  readonly defaults: Record<string, unknown>;
  /** `values.schema.json`, parsed, when the chart has one. */
  readonly schema?: Record<string, unknown>;
}

const wanted = new Set(["Chart.yaml", "values.yaml", "values.schema.json"]);

/**
 * Reads `Chart.yaml`, `values.yaml` and `values.schema.json` from a chart
 * archive (.tgz), checking every entry on the way: one top folder, no
 * absolute paths or `..`, no symlinks or hard links leading out of the chart,
 * no devices, and size limits per entry and in total (a gzip bomb stops at the
 * limit, not at the end). Throws `invalid_argument` naming the entry.
 */
export async function readChartArchive(
  file: string,
  limits: ArchiveLimits = defaultArchiveLimits,
): Promise<ChartContents> {
  const found = new Map<string, Buffer>();
  let root: string | undefined;
  let total = 0;
  let entries = 0;
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    entries++;
    const name = header.name.replace(/^\.\//, "").replace(/\/+$/, "");
    const parts = name.split("/");
    root ??= parts[0] ?? "";
    total += header.size ?? 0;
    const problem = problemWith(header, name, parts, { root, total, entries }, limits);
    if (problem) {
      stream.resume();
      extract.destroy(bad(`entry ${JSON.stringify(header.name)}: ${problem}`));
      return;
    }
    const keep = header.type === "file" && parts.length === 2 && wanted.has(parts[1] ?? "");
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => {
      if (keep) chunks.push(c);
    });
    stream.on("end", () => {
      if (keep) found.set(parts[1] ?? "", Buffer.concat(chunks));
      next();
    });
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), extract);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw bad(`not a readable .tgz (${(err as Error).message})`, err);
  }
  return contents(found, root ?? "");
}

/** Why an entry is refused, or undefined when it is fine. */
function problemWith(
  header: tar.Headers,
  name: string,
  parts: readonly string[],
  seen: { root: string; total: number; entries: number },
  limits: ArchiveLimits,
): string | undefined {
  if (seen.entries > limits.maxEntries) return `more than ${limits.maxEntries} entries`;
  if (name === "" || name.startsWith("/") || name.includes("\\") || parts.includes("..")) {
    return "path escapes the chart";
  }
  if (parts[0] !== seen.root) return `outside the chart folder ${seen.root}/`;
  const size = header.size ?? 0;
  if (size > limits.maxEntryBytes) {
    return `${size} bytes is over the ${limits.maxEntryBytes}-byte limit per file`;
  }
  if (seen.total > limits.maxTotalBytes) {
    return `the archive unpacks to more than ${limits.maxTotalBytes} bytes`;
  }
  if (header.type === "symlink" || header.type === "link") {
    const target = header.linkname ?? "";
    // A symlink is relative to its folder; a hard link names a path in the archive.
    const resolved =
      header.type === "symlink" ? posix.join(posix.dirname(name), target) : posix.normalize(target);
    if (
      target.startsWith("/") ||
      !(resolved === seen.root || resolved.startsWith(`${seen.root}/`))
    ) {
      return `link to ${JSON.stringify(target)} points outside the chart`;
    }
    return undefined;
  }
  const ok =
    header.type === "file" || header.type === "directory" || header.type === "contiguous-file";
  return ok ? undefined : `unsupported entry type ${header.type}`;
}

function contents(found: Map<string, Buffer>, root: string): ChartContents {
  const chartYaml = found.get("Chart.yaml");
  if (!chartYaml) throw bad(`no ${root}/Chart.yaml, so it is not a Helm chart`);
  // Strings only: a version such as 1.10 must not become the number 1.1.
  const meta = parseDoc(chartYaml, "Chart.yaml", "failsafe");
  if (typeof meta.name !== "string" || typeof meta.version !== "string") {
    throw bad("Chart.yaml needs a name and a version");
  }
  const pick = (k: string): Record<string, string> =>
    typeof meta[k] === "string" ? { [k]: meta[k] as string } : {};
  const metadata: ChartMetadata = {
    apiVersion: typeof meta.apiVersion === "string" ? meta.apiVersion : "v1",
    name: meta.name,
    version: meta.version,
    ...pick("appVersion"),
    ...pick("kubeVersion"),
    ...pick("type"),
    ...pick("description"),
  };
  const valuesYaml = found.get("values.yaml");
  const defaults = valuesYaml ? parseDoc(valuesYaml, "values.yaml", "yaml-1.1") : {};
  const schemaJson = found.get("values.schema.json");
  let schema: Record<string, unknown> | undefined;
  if (schemaJson) {
    try {
      schema = JSON.parse(schemaJson.toString("utf8")) as Record<string, unknown>;
    } catch (err) {
      throw bad(`values.schema.json is not valid JSON (${(err as Error).message})`, err);
    }
  }
  return { metadata, defaults, ...(schema ? { schema } : {}) };
}

function parseDoc(
  data: Buffer,
  what: string,
  mode: "failsafe" | "yaml-1.1",
): Record<string, unknown> {
  let doc: unknown;
  try {
    // values.yaml is read as Helm reads it (YAML 1.1: yes/no/on/off are booleans).
    doc = parseYaml(
      data.toString("utf8"),
      mode === "failsafe"
        ? { schema: "failsafe", maxAliasCount: 100 }
        : { version: "1.1", maxAliasCount: 100, merge: true },
    );
  } catch (err) {
    throw bad(`${what} is not valid YAML (${(err as Error).message.split("\n")[0]})`, err);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw bad(`${what} is not a mapping`);
  return doc as Record<string, unknown>;
}

function bad(reason: string, cause?: unknown): AppError {
  return new AppError(ErrorCode.InvalidArgument, `chart archive: ${reason}`, { cause });
}
