import { readFileSync, writeFileSync } from "node:fs";

/**
 * Writes a large index made of real entries: the `entries` block of a real
 * index repeated under new chart names (`fluent-bit-copy17`...) until the
 * file reaches `targetBytes`. Returns the chart and version counts.
 */
export function makeLargeIndex(
  source: string,
  out: string,
  targetBytes: number,
): { bytes: number; charts: number; versions: number } {
  const text = readFileSync(source, "utf8");
  const start = text.indexOf("entries:\n") + "entries:\n".length;
  const end = text.search(/^generated:/m);
  const entries = text.slice(start, end);
  const chartKey = /^ {2}([A-Za-z0-9][^:\s]*):$/gm;
  const perCopy = [...entries.matchAll(chartKey)].length;
  const versionsPerCopy = (entries.match(/^ {2}- /gm) ?? []).length;
  const parts = ["apiVersion: v1\nentries:\n"];
  let bytes = parts[0]?.length ?? 0;
  let copies = 0;
  while (bytes < targetBytes) {
    const copy = entries.replace(chartKey, (_m, name: string) => `  ${name}-copy${copies}:`);
    parts.push(copy);
    bytes += copy.length;
    copies++;
  }
  parts.push(`generated: "2026-01-01T00:00:00Z"\n`);
  writeFileSync(out, parts.join(""));
  return { bytes, charts: copies * perCopy, versions: copies * versionsPerCopy };
}
