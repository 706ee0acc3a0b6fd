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

function render(extra) {
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

function shellFunction(name, yaml) {
  if (yaml.includes("SO_MANIFESTS_EOF"))
    throw new Error("the manifests contain the heredoc marker");
  return `${name}() {\n  cat <<'SO_MANIFESTS_EOF'\n${yaml.trimEnd()}\nSO_MANIFESTS_EOF\n}`;
}

/** The generated block, markers included. */
export function generatedBlock() {
  const withDeploy = render([]);
  const withoutDeploy = render(["--set", "deployRole=false"]);
  return [
    begin,
    `default_image="${defaultImage(withDeploy)}"`,
    shellFunction("manifests_with_deploy", withDeploy),
    shellFunction("manifests_without_deploy", withoutDeploy),
    end,
  ].join("\n");
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
