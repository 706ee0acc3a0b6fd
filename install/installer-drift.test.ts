import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
// @ts-expect-error: a plain .mjs build script without type declarations.
import { generatedBlock, helmBinary, regenerate, render } from "../scripts/generate-installer.mjs";

function helmRuns(): string | undefined {
  try {
    execFileSync(helmBinary(), ["version", "--short"], { stdio: "ignore" });
    return undefined;
  } catch (err) {
    return `${helmBinary()} cannot run here (${(err as Error).message.split("\n")[0]})`;
  }
}

const why = helmRuns();
const helmTest = why ? test.skip : test;
if (why) console.log(`SKIPPED installer drift test: ${why}; run npm run tools`);

helmTest("install/agent.sh embeds exactly what charts/edge-agent renders", (t) => {
  const script = readFileSync(join(import.meta.dirname, "agent.sh"), "utf8");
  const fresh = regenerate(script, generatedBlock());
  t.true(
    fresh === script,
    "install/agent.sh drifted from charts/edge-agent: npm run generate:installer",
  );
});

helmTest("a changed chart is caught as drift", (t) => {
  const script = readFileSync(join(import.meta.dirname, "agent.sh"), "utf8");
  const stale = script.replace("kind: ClusterRole\n", "kind: ClusterRole\n# edited by hand\n");
  t.not(regenerate(stale, generatedBlock()), stale);
});

// The script carries both renders merged into one text (scripts/generate-installer.mjs);
// its sed lines must take them apart into exactly what Helm rendered.
helmTest(
  "the script's manifest functions print what Helm renders, with and without the deploy role",
  (t) => {
    const script = readFileSync(join(import.meta.dirname, "agent.sh"), "utf8");
    const block =
      /# --- BEGIN GENERATED MANIFESTS.*\n[\s\S]*?# --- END GENERATED MANIFESTS ---\n/.exec(
        script,
      )?.[0];
    if (!block) return t.fail("install/agent.sh lacks the generated block");
    for (const [fn, extra] of [
      ["manifests_with_deploy", []],
      ["manifests_without_deploy", ["--set", "deployRole=false"]],
    ] as const) {
      const printed = execFileSync("sh", ["-c", `${block}${fn}`], { encoding: "utf8" });
      t.is(printed, `${(render(extra) as string).trimEnd()}\n`, fn);
    }
  },
);
