import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { parse as parseYaml } from "yaml";
import {
  type ChartIndex,
  isUsableVersion,
  type RawIndex,
  type RawVersion,
  toChartIndex,
} from "./chart-index.js";
import { IndexScanner, IrregularIndex } from "./index-scanner.js";

/** Which reader produced an index; the benchmark and tests look at it. */
export type IndexParserPath = "scanner" | "yaml";

/** A parsed index and how it was read. */
export interface ParsedIndexFile {
  readonly index: ChartIndex;
  readonly path: IndexParserPath;
}

/** Aliases allowed in the fallback parse; real indexes have none, a YAML bomb has thousands. */
const maxAliasCount = 100;

/**
 * Parses an `index.yaml` from a file, streaming it through the fast scanner;
 * when the file is not in the regular shape Helm writes, re-reads it with the
 * full YAML parser. Throws `invalid_argument` saying what is wrong when the
 * file is not a usable Helm index.
 */
export async function parseIndexFile(file: string): Promise<ParsedIndexFile> {
  const scanner = new IndexScanner();
  let last = -1;
  let raw: RawIndex;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      const b = chunk as Buffer;
      if (b.length > 0) last = b[b.length - 1] ?? -1;
      scanner.push(b);
    }
    raw = scanner.end();
  } catch (err) {
    if (!(err instanceof IrregularIndex)) throw err;
    return { index: fromFullParse(await readFile(file), err), path: "yaml" };
  }
  return { index: finish(raw, last), path: "scanner" };
}

/** Same as {@link parseIndexFile} for an index already in memory. */
export function parseIndexBuffer(data: Buffer): ParsedIndexFile {
  const scanner = new IndexScanner();
  try {
    scanner.push(data);
    const raw = scanner.end();
    return {
      index: finish(raw, data.length > 0 ? (data[data.length - 1] ?? -1) : -1),
      path: "scanner",
    };
  } catch (err) {
    if (!(err instanceof IrregularIndex)) throw err;
    return { index: fromFullParse(data, err), path: "yaml" };
  }
}

function finish(raw: RawIndex, lastByte: number): ChartIndex {
  checkShape(raw);
  // A cut-off download can still be valid YAML; these two signs give it away.
  if (lastByte !== 0x0a)
    throw notIndex("the file looks truncated (it does not end with a newline)");
  const lastChart = raw.entries[raw.entries.length - 1];
  const lastVersion = lastChart?.versions[lastChart.versions.length - 1];
  if (lastVersion && !isUsableVersion(lastVersion) && raw.generated === undefined) {
    throw notIndex(`the file looks truncated (the last entry of ${lastChart?.name} is incomplete)`);
  }
  return toChartIndex(raw);
}

function checkShape(raw: RawIndex): void {
  if (!raw.hasEntries || raw.apiVersion === undefined) {
    throw notIndex("it has no apiVersion and entries, so it is not a Helm repository index");
  }
}

function fromFullParse(data: Buffer, why: IrregularIndex): ChartIndex {
  const head = data.subarray(0, 512).toString("utf8").trimStart();
  if (head.startsWith("<")) throw notIndex("the URL serves an HTML page, not a Helm index.yaml");
  let doc: unknown;
  try {
    doc = parseYaml(data.toString("utf8"), {
      schema: "failsafe",
      maxAliasCount,
      uniqueKeys: false,
      prettyErrors: false,
    });
  } catch (err) {
    const msg = (err as Error).message;
    if (/alias/i.test(msg) && /count|excessive/i.test(msg)) {
      throw notIndex("it uses too many YAML aliases (refused as a possible YAML bomb)", err);
    }
    throw notIndex(`it is not valid YAML (${msg.split("\n")[0]})`, err, why);
  }
  const raw = rawFromDocument(doc);
  const last = data.length > 0 ? (data[data.length - 1] ?? -1) : -1;
  return finish(raw, last);
}

/** Reads the generic YAML document into the raw shape, ignoring fields of the wrong type. */
function rawFromDocument(doc: unknown): RawIndex {
  const raw: RawIndex = { hasEntries: false, entries: [] };
  if (!isMap(doc)) return raw;
  if (typeof doc.apiVersion === "string") raw.apiVersion = doc.apiVersion;
  if (typeof doc.generated === "string") raw.generated = doc.generated;
  const entries = doc.entries;
  if (entries === undefined) return raw;
  raw.hasEntries = isMap(entries) || entries === "" || entries === null;
  if (!isMap(entries)) return raw;
  for (const [name, list] of Object.entries(entries)) {
    const versions: RawVersion[] = [];
    if (Array.isArray(list)) {
      for (const item of list) if (isMap(item)) versions.push(rawVersion(item));
    }
    raw.entries.push({ name, versions });
  }
  return raw;
}

function rawVersion(item: Record<string, unknown>): RawVersion {
  const v: RawVersion = {};
  for (const key of [
    "version",
    "appVersion",
    "description",
    "created",
    "digest",
    "kubeVersion",
  ] as const) {
    const value = item[key];
    if (typeof value === "string" && value !== "") v[key] = value;
  }
  if (Array.isArray(item.urls)) {
    v.urls = item.urls.filter((u): u is string => typeof u === "string" && u !== "");
  }
  if (typeof item.deprecated === "string")
    v.deprecated = /^(true|True|TRUE)$/.test(item.deprecated);
  return v;
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function notIndex(reason: string, cause?: unknown, irregular?: IrregularIndex): AppError {
  const where = irregular ? ` (${irregular.message})` : "";
  return new AppError(ErrorCode.InvalidArgument, `not a usable Helm index: ${reason}${where}`, {
    cause,
  });
}
