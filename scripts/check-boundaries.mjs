#!/usr/bin/env node
// Fails when edge-agent and control-plane import each other, or when the
// agent pulls a server-side dependency it must not carry onto a Raspberry Pi.
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
  },
  { dir: "control-plane", forbidden: [/@smart-orchestrator\/edge-agent/, /edge-agent\//] },
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

const problems = [];
const importPattern =
  /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const rule of rules) {
  for (const file of files(join(rule.dir, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(importPattern)) {
      const spec = m[1] ?? m[2];
      if (rule.forbidden.some((re) => re.test(spec))) problems.push(`${file}: imports "${spec}"`);
    }
  }
  const pkg = JSON.parse(readFileSync(join(rule.dir, "package.json"), "utf8"));
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (rule.forbidden.some((re) => re.test(dep)))
      problems.push(`${rule.dir}/package.json: depends on "${dep}"`);
  }
}
if (problems.length) {
  console.error(`import boundary violated:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("import boundaries hold: edge-agent and control-plane do not import each other");
