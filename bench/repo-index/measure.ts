// Child process for one measurement, so peak memory of one parser is not
// mixed with another's: loads and parses the file once and prints JSON.
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { parseIndexFile } from "../../control-plane/src/repos/index-parser.js";

const [mode, file] = process.argv.slice(2);
if (!file || (mode !== "scanner" && mode !== "js-yaml")) {
  console.error("usage: measure.ts scanner|js-yaml <index.yaml>");
  process.exit(2);
}
// Modules are loaded; this is the floor the parse adds to.
const baseRss = process.memoryUsage().rss;
const t0 = performance.now();
let charts = 0;
if (mode === "scanner") {
  const parsed = await parseIndexFile(file);
  charts = parsed.index.charts.length;
} else {
  const doc = load(readFileSync(file, "utf8")) as { entries: Record<string, unknown> };
  charts = Object.keys(doc.entries).length;
}
const ms = performance.now() - t0;
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ mode, ms, baseRss, peakRss, charts }));
