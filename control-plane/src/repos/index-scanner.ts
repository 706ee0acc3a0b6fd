import { parse as parseYaml } from "yaml";
import type { RawIndex, RawVersion } from "./chart-index.js";

/**
 * Thrown when the input leaves the regular shape Helm writes (flow style,
 * anchors, odd indentation...). The caller falls back to the full YAML parser.
 */
export class IrregularIndex extends Error {
  constructor(reason: string, line: number) {
    super(`line ${line}: ${reason}`);
    this.name = "IrregularIndex";
  }
}

const SP = 0x20;
const TAB = 0x09;
const DASH = 0x2d;
const HASH = 0x23;
const COLON = 0x3a;
const CR = 0x0d;
const LF = 0x0a;

/** Version fields we keep; everything else (maintainers, annotations...) is skipped unread. */
const kept = new Set([
  "version",
  "appVersion",
  "description",
  "created",
  "digest",
  "urls",
  "deprecated",
  "kubeVersion",
]);

interface OpenField {
  readonly key: string;
  readonly keep: boolean;
  readonly inline: string;
  extra: string[] | null;
}

/**
 * A streaming, line-oriented reader specialised for Helm's `index.yaml`
 * (`entries -> chart -> [version map]`). It works on bytes and decodes only
 * the fields it keeps, so skipped content never becomes JS strings and memory
 * stays proportional to the result, not to the file. Feed chunks with
 * {@link push}, then call {@link end}. Anything outside the regular shape
 * throws {@link IrregularIndex}.
 */
export class IndexScanner {
  #tail: Buffer | null = null;
  #line = 0;
  #sawContent = false;
  #state: "top" | "entries" = "top";
  #skipTop = false;
  #result: RawIndex = { hasEntries: false, entries: [] };
  #chartIndent = -1;
  #itemIndent = -1;
  #fieldIndent = -1;
  #versions: RawVersion[] | null = null;
  #item: RawVersion | null = null;
  #field: OpenField | null = null;
  /** Shares equal descriptions between versions: they repeat across a chart's history. */
  #interned = new Map<string, string>();

  /** Consumes a chunk; lines may span chunks. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#tail) {
      buf = Buffer.concat([this.#tail, chunk]);
      this.#tail = null;
    }
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) break;
      this.#handleLine(buf, start, nl > start && buf[nl - 1] === CR ? nl - 1 : nl);
      start = nl + 1;
    }
    if (start < buf.length) this.#tail = Buffer.from(buf.subarray(start));
  }

  /** Finishes the input and returns what was read. */
  end(): RawIndex {
    if (this.#tail) {
      const t = this.#tail;
      this.#tail = null;
      this.#handleLine(t, 0, t.length);
    }
    this.#closeChart();
    return this.#result;
  }

  #irregular(reason: string): never {
    throw new IrregularIndex(reason, this.#line);
  }

  #handleLine(buf: Buffer, lineStart: number, end: number): void {
    let start = lineStart;
    this.#line++;
    let p = start;
    if (this.#line === 1 && buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) {
      p += 3; // UTF-8 byte order mark
      start = p;
    }
    while (p < end && buf[p] === SP) p++;
    if (p < end && buf[p] === TAB) this.#irregular("tab in indentation");
    const indent = p - start;
    if (p === end || buf[p] === HASH) {
      // Blank or comment line: content only inside a kept multi-line value.
      if (this.#field?.keep && this.#field.extra && indent > this.#fieldIndent) {
        this.#field.extra.push(buf.toString("utf8", start + this.#fieldIndent, end));
      } else if (this.#field?.keep && this.#field.extra && p === end) {
        this.#field.extra.push("");
      }
      return;
    }
    if (!this.#sawContent) {
      this.#sawContent = true;
      if (buf[p] === 0x3c) this.#irregular("starts with '<' (an HTML page?)");
      if (end - p === 3 && buf.toString("latin1", p, end) === "---") return;
    }
    if (indent === 0) {
      this.#closeChart();
      this.#state = "top";
      this.#topLine(buf, p, end);
      return;
    }
    if (this.#state === "top") {
      if (!this.#skipTop) this.#irregular("unexpected indented line at top level");
      return;
    }
    this.#entriesLine(buf, start, p, end, indent);
  }

  #topLine(buf: Buffer, p: number, end: number): void {
    const c = buf[p];
    if (c === DASH || c === 0x2e || c === 0x25) {
      if (this.#skipTop && c === DASH) return;
      this.#irregular("unexpected top-level line");
    }
    const { key, value } = this.#keyValue(buf, p, end);
    this.#skipTop = false;
    if (key === "entries") {
      if (this.#result.hasEntries) this.#irregular("duplicate entries key");
      this.#result.hasEntries = true;
      if (value === "{}") return;
      if (value !== "") this.#irregular("entries is not a block mapping");
      this.#state = "entries";
    } else if (key === "apiVersion" || key === "generated") {
      const v = simpleScalar(value);
      if (v === undefined) this.#irregular(`${key} is not a simple scalar`);
      this.#result[key] = v;
    } else {
      // Anchors and aliases up here mean a hand-made file; let the full parser judge (and cap) them.
      if (/^[&*!]/.test(value)) this.#irregular(`${key} uses an anchor, alias or tag`);
      this.#skipTop = true;
    }
  }

  #entriesLine(buf: Buffer, start: number, p: number, end: number, indent: number): void {
    const isDash = buf[p] === DASH && (p + 1 === end || buf[p + 1] === SP);
    if (this.#chartIndent < 0) this.#chartIndent = indent;
    if (indent === this.#chartIndent && !isDash) {
      this.#closeChart();
      const { key, value } = this.#keyValue(buf, p, end);
      if (value !== "" && value !== "[]") this.#irregular(`chart ${key} is not a block sequence`);
      this.#versions = [];
      this.#result.entries.push({ name: key, versions: this.#versions });
      return;
    }
    if (isDash && (indent === this.#itemIndent || (this.#itemIndent < 0 && !this.#item))) {
      if (!this.#versions) this.#irregular("version entry outside a chart");
      this.#closeItem();
      let q = p + 1;
      while (q < end && buf[q] === SP) q++;
      if (q === end) this.#irregular("empty version entry");
      const fieldIndent = q - start;
      if (this.#itemIndent < 0) {
        this.#itemIndent = indent;
        this.#fieldIndent = fieldIndent;
      } else if (fieldIndent !== this.#fieldIndent) {
        this.#irregular("inconsistent indentation of version fields");
      }
      this.#item = {};
      this.#versions.push(this.#item);
      this.#openField(buf, q, end);
      return;
    }
    if (!this.#item || indent < this.#fieldIndent) this.#irregular("unexpected indentation");
    if (indent === this.#fieldIndent && !isDash) {
      this.#closeField();
      this.#openField(buf, p, end);
      return;
    }
    // A continuation: deeper lines, or `- x` items of a sequence at the key's own indent.
    const f = this.#field;
    if (!f) this.#irregular("continuation without a field");
    if (indent === this.#fieldIndent && f.inline !== "") this.#irregular("sequence after a value");
    if (f.keep) {
      f.extra ??= [];
      f.extra.push(buf.toString("utf8", start + this.#fieldIndent, end));
    }
  }

  #openField(buf: Buffer, p: number, end: number): void {
    const { key, value, keyEnd } = this.#keyValue(buf, p, end, true);
    const keep = kept.has(key);
    this.#field = {
      key,
      keep,
      inline: keep ? buf.toString("utf8", keyEnd, end).trim() : value,
      extra: null,
    };
  }

  #closeField(): void {
    const f = this.#field;
    this.#field = null;
    const item = this.#item;
    if (!f?.keep || !item) return;
    if (f.key === "urls") {
      const urls = f.extra ? simpleSequence(f.inline, f.extra) : f.inline === "" ? [] : undefined;
      const list = urls ?? this.#fragment(f);
      if (!Array.isArray(list)) this.#irregular("urls is not a list");
      item.urls = list.filter((u): u is string => typeof u === "string" && u !== "");
      return;
    }
    const value = f.extra ? foldedPlain(f.inline, f.extra) : simpleScalar(f.inline);
    const v = value ?? this.#fragment(f);
    if (v === null || v === undefined || v === "") return;
    if (typeof v !== "string") this.#irregular(`${f.key} is not a scalar`);
    if (f.key === "deprecated") item.deprecated = /^(true|True|TRUE)$/.test(v);
    else if (f.key === "description") item.description = this.#intern(v);
    else item[f.key as "version"] = v;
  }

  #closeItem(): void {
    this.#closeField();
    this.#item = null;
  }

  #closeChart(): void {
    this.#closeItem();
    this.#versions = null;
  }

  /** Parses one field on its own with the full parser, aliases refused. */
  #fragment(f: OpenField): unknown {
    const text = `${JSON.stringify(f.key)}: ${f.inline}\n${(f.extra ?? []).join("\n")}\n`;
    try {
      const doc = parseYaml(text, { schema: "failsafe", maxAliasCount: 0, uniqueKeys: false });
      return (doc as Record<string, unknown> | null)?.[f.key];
    } catch (err) {
      this.#irregular(`cannot read ${f.key}: ${(err as Error).message.split("\n")[0]}`);
    }
  }

  #keyValue(
    buf: Buffer,
    p: number,
    end: number,
    quick = false,
  ): { key: string; value: string; keyEnd: number } {
    let colon = buf.indexOf(COLON, p);
    while (colon >= 0 && colon < end && colon + 1 < end && buf[colon + 1] !== SP) {
      colon = buf.indexOf(COLON, colon + 1);
    }
    if (colon < 0 || colon >= end) this.#irregular("expected `key: value`");
    let key = buf.toString("utf8", p, colon).trimEnd();
    const q = key[0];
    if ((q === '"' || q === "'") && key.length >= 2 && key.endsWith(q)) key = key.slice(1, -1);
    else if (/^[[{&*!|>?%@`]/.test(key)) this.#irregular("complex key");
    // Skipped fields never need their value decoded.
    const value = quick ? "" : buf.toString("utf8", colon + 1, end).trim();
    return { key, value, keyEnd: colon + 1 };
  }

  #intern(s: string): string {
    const hit = this.#interned.get(s);
    if (hit !== undefined) return hit;
    if (this.#interned.size < 100_000) this.#interned.set(s, s);
    return s;
  }
}

/** A one-line scalar without escapes or comments, or undefined when it needs the real parser. */
export function simpleScalar(s: string): string | undefined {
  if (s === "") return "";
  const c = s[0];
  if (c === '"') {
    return s.length >= 2 && s.indexOf('"', 1) === s.length - 1 && !s.includes("\\")
      ? s.slice(1, -1)
      : undefined;
  }
  if (c === "'")
    return s.length >= 2 && s.indexOf("'", 1) === s.length - 1 ? s.slice(1, -1) : undefined;
  if (/^[[\]{}&*!|>%@`#,]|^[-?:](\s|$)/.test(s)) return undefined;
  if (s.includes(" #") || s.includes(": ") || s.endsWith(":") || s.includes("\t")) return undefined;
  return s;
}

/** `- a` / `- b` lines of simple scalars (the shape of `urls`), or undefined. */
function simpleSequence(inline: string, lines: readonly string[]): string[] | undefined {
  if (inline !== "") return undefined;
  const out: string[] = [];
  for (const line of lines) {
    const t = line.trim();
    if (t === "") continue;
    if (!t.startsWith("- ")) return undefined;
    const v = simpleScalar(t.slice(2).trim());
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** A plain scalar folded over several lines (long descriptions), or undefined. */
function foldedPlain(inline: string, lines: readonly string[]): string | undefined {
  if (inline === "" || simpleScalar(inline) !== inline) return undefined;
  let out = inline;
  for (const line of lines) {
    const t = line.trim();
    if (t === "" || /^[-?:](\s|$)/.test(t) || t.startsWith("#")) return undefined;
    if (t.includes(" #") || t.includes(": ") || t.endsWith(":")) return undefined;
    out += ` ${t}`;
  }
  return out;
}
