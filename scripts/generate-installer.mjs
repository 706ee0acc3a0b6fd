#!/usr/bin/env node
// Renders charts/edge-agent with the real Helm and embeds the manifests in
// install/agent.sh, between its GENERATED MANIFESTS markers, so the one-line
// installer is a single download and the chart stays the only source of the
// agent's manifests. Values the installer fills in at run time are rendered
// as @@PLACEHOLDERS@@. `--check` exits 1 when the script is out of date
// (the installer drift test and CI use it).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dirname, "..");
const scriptPath = join(root, "install", "agent.sh");
const begin = "# --- BEGIN GENERATED MANIFESTS (npm run generate:installer; do not edit) ---";
const end = "# --- END GENERATED MANIFESTS ---";

/** Helm from HELM_BIN, then the toolchain's .tools/bin, then PATH. */
export function helmBinary() {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  const local = join(root, ".tools", "bin", "helm");
  return existsSync(local) ? local : "helm";
}

/** The placeholder values the script replaces with sed; each must survive YAML quoting. */
const placeholders = [
  "--set",
  "hub=@@HUB@@",
  "--set",
  "caHash=@@CA_HASH@@",
  "--set",
  "joinToken=@@TOKEN@@",
];

/** `helm template` of charts/edge-agent with the placeholders and `extra` flags. */
export function render(extra) {
  return execFileSync(
    helmBinary(),
    [
      "template",
      "smart-orchestrator-agent",
      join(root, "charts", "edge-agent"),
      "--namespace",
      "so-installer-namespace",
      ...placeholders,
      ...extra,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
}

/** The image the chart renders by default; `--image` replaces it. */
function defaultImage(yaml) {
  const m = /image: "([^"]+)"/.exec(yaml);
  if (!m) throw new Error("the chart's Deployment renders no image");
  return m[1];
}

/** Line prefixes in the merged text: the line is only in the render with, or without, the deploy role. */
const onlyWith = "@@WITH_DEPLOY@@";
const onlyWithout = "@@WITHOUT_DEPLOY@@";

/**
 * The two renders as one text, so the script carries the manifests once:
 * lines both have stand as they are, the others carry the prefix of the
 * render they belong to. A longest common subsequence of lines pairs them;
 * where it could pair either way, a line only in `withDeploy` goes first,
 * which keeps each deploy-role document (from its `---` on) in one run.
 */
export function mergeRenders(withDeploy, withoutDeploy) {
  const a = withDeploy.trimEnd().split("\n");
  const b = withoutDeploy.trimEnd().split("\n");
  for (const line of [...a, ...b]) {
    if (line.startsWith(onlyWith) || line.startsWith(onlyWithout))
      throw new Error(`a rendered line starts with a merge prefix: ${line}`);
  }
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && lcs[i + 1][j] === lcs[i][j]) out.push(onlyWith + a[i++]);
    else if (j < b.length && lcs[i][j + 1] === lcs[i][j]) out.push(onlyWithout + b[j++]);
    else {
      out.push(a[i]);
      i++;
      j++;
    }
  }
  return out.join("\n");
}

/** One side of {@link mergeRenders}' text, as the script's sed lines take it apart. */
export function pickRender(merged, deployRole) {
  const [keep, drop] = deployRole ? [onlyWith, onlyWithout] : [onlyWithout, onlyWith];
  return merged
    .split("\n")
    .filter((line) => !line.startsWith(drop))
    .map((line) => (line.startsWith(keep) ? line.slice(keep.length) : line))
    .join("\n");
}

/** The shell functions that print each render from the merged text. */
function shellFunctions(merged) {
  if (merged.includes("SO_MANIFESTS_EOF"))
    throw new Error("the manifests contain the heredoc marker");
  return `# Both renders of charts/edge-agent in one text: a line that starts with
# ${onlyWith} is only in the render with the deploy role, one that starts
# with ${onlyWithout} only in the one without it (deployRole=false).
manifests_merged() {
  cat <<'SO_MANIFESTS_EOF'
${merged}
SO_MANIFESTS_EOF
}
manifests_with_deploy() {
  manifests_merged | sed -e '/^${onlyWithout}/d' -e 's/^${onlyWith}//'
}
manifests_without_deploy() {
  manifests_merged | sed -e '/^${onlyWith}/d' -e 's/^${onlyWithout}//'
}`;
}

/** The generated block, markers included. */
export function generatedBlock() {
  const withDeploy = render([]);
  const withoutDeploy = render(["--set", "deployRole=false"]);
  const merged = mergeRenders(withDeploy, withoutDeploy);
  // The script prints exactly what Helm rendered, less the trailing newlines the heredoc drops.
  for (const [deployRole, yaml] of [
    [true, withDeploy],
    [false, withoutDeploy],
  ]) {
    if (pickRender(merged, deployRole) !== yaml.trimEnd())
      throw new Error(
        `the merged manifests do not give back the render (deployRole=${deployRole})`,
      );
  }
  return [begin, `default_image="${defaultImage(withDeploy)}"`, shellFunctions(merged), end].join(
    "\n",
  );
}

/** The script with its generated block replaced. */
export function regenerate(script, block) {
  const from = script.indexOf(begin);
  const to = script.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${scriptPath} lacks the generated-manifests markers`);
  return script.slice(0, from) + block + script.slice(to + end.length);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { check: { type: "boolean" } } });
  const current = readFileSync(scriptPath, "utf8");
  const next = regenerate(current, generatedBlock());
  if (values.check) {
    if (next !== current) {
      console.error(
        "install/agent.sh is out of date with charts/edge-agent: run npm run generate:installer",
      );
      process.exit(1);
    }
    console.log("install/agent.sh matches charts/edge-agent");
  } else {
    writeFileSync(scriptPath, next);
    console.log("install/agent.sh regenerated from charts/edge-agent");
  }
}
