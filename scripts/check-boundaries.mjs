#!/usr/bin/env node
// Fails when edge-agent and control-plane import each other, or when the
// agent pulls a server-side dependency it must not carry onto a Raspberry Pi.
// The Kubernetes API simulator is for tests: the agent's tests may use it,
// the agent's own code (what ships in its bundle) may not.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const rules = [
  {
    dir: "edge-agent",
    forbidden: [
      /@smart-orchestrator\/control-plane/,
      /control-plane\//,
      /^koa$/,
      /^@koa\//,
      /^mongodb$/,
      /^better-sqlite3$/,
    ],
    forbiddenOutsideTests: [/@smart-orchestrator\/kube-simulator/, /kube-simulator\//],
  },
  { dir: "control-plane", forbidden: [/@smart-orchestrator\/edge-agent/, /edge-agent\//] },
  {
    dir: "kube-simulator",
    forbidden: [/@smart-orchestrator\/(control-plane|edge-agent)/, /(control-plane|edge-agent)\//],
  },
  {
    dir: "shared",
    forbidden: [/@smart-orchestrator\/(control-plane|edge-agent)/, /(control-plane|edge-agent)\//],
  },
];

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "gen") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield path;
  }
}

/** Test files and test-only helpers, which never reach a bundle. */
function isTest(file) {
  return /\.test\.(ts|mts|js|mjs)$/.test(file) || /(^|\/)(testing|test-support)(\/|\.)/.test(file);
}

const problems = [];
const importPattern =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const rule of rules) {
  for (const file of files(join(rule.dir, "src"))) {
    const text = readFileSync(file, "utf8");
    const forbidden = isTest(file)
      ? rule.forbidden
      : [...rule.forbidden, ...(rule.forbiddenOutsideTests ?? [])];
    for (const m of text.matchAll(importPattern)) {
      const spec = m[1] ?? m[2];
      if (forbidden.some((re) => re.test(spec))) problems.push(`${file}: imports "${spec}"`);
    }
  }
  const pkg = JSON.parse(readFileSync(join(rule.dir, "package.json"), "utf8"));
  const shipped = [...rule.forbidden, ...(rule.forbiddenOutsideTests ?? [])];
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (shipped.some((re) => re.test(dep)))
      problems.push(`${rule.dir}/package.json: depends on "${dep}"`);
  }
}
if (problems.length) {
  console.error(`import boundary violated:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  "import boundaries hold: edge-agent and control-plane do not import each other; " +
    "agent code does not import the simulator",
);
