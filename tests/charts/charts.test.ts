// Both Helm charts, held to the real Helm: lint, render, and the control
// plane's values schema refusing bad values.
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { realTool, startSimulatorProcess } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { parseAllDocuments } from "yaml";
// @ts-expect-error: a plain .mjs build script without type declarations.
import { helmBinary } from "../../scripts/generate-installer.mjs";

const root = join(import.meta.dirname, "..", "..");
const helm = helmBinary() as string;
const runs = spawnSync(helm, ["version", "--short"]).status === 0;
if (!runs) console.log(`SKIPPED chart tests: ${helm} cannot run here; run npm run tools`);
const helmTest = runs ? test : test.skip;

const agentValues = [
  "--set",
  "hub=hub.example.com:8443",
  "--set",
  `caHash=sha256:${"a".repeat(64)}`,
];

function template(chart: string, args: string[]): Record<string, any>[] {
  const out = execFileSync(helm, ["template", "so", join(root, "charts", chart), ...args], {
    encoding: "utf8",
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS())
    .filter(Boolean);
}

helmTest("helm lint passes on both charts", (t) => {
  for (const [chart, args] of [
    ["edge-agent", agentValues],
    ["control-plane", ["--set", "ingress.enabled=true"]],
  ] as const) {
    const r = spawnSync(helm, ["lint", join(root, "charts", chart), ...args], { encoding: "utf8" });
    t.is(r.status, 0, `${chart}: ${r.stdout}${r.stderr}`);
  }
});

helmTest(
  "the agent chart renders probes on the health endpoint and the join Secret only with a token",
  (t) => {
    const docs = template("edge-agent", agentValues);
    const deployment = docs.find((d) => d.kind === "Deployment");
    const container = deployment?.spec.template.spec.containers[0];
    t.true(container.args.includes("--health-listen=:8081"));
    t.is(container.livenessProbe.httpGet.path, "/healthz");
    t.is(container.readinessProbe.httpGet.path, "/readyz");
    t.truthy(container.resources.requests.memory);
    t.falsy(docs.find((d) => d.kind === "Secret"));
    const joined = template("edge-agent", [
      ...agentValues,
      "--set",
      "joinToken=abcdef.0123456789abcdef",
    ]);
    t.truthy(joined.find((d) => d.kind === "Secret"));
  },
);

helmTest(
  "the control-plane chart: optional Ingress, Helm wired in, and a schema that names bad values",
  (t) => {
    t.falsy(template("control-plane", []).find((d) => d.kind === "Ingress"));
    const docs = template("control-plane", [
      ...["--set", "ingress.enabled=true", "--set", "ingress.host=so.example.org"],
      ...["--set", "ingress.tlsSecretName=so-tls"],
    ]);
    const ingress = docs.find((d) => d.kind === "Ingress");
    t.is(ingress?.spec.rules[0].host, "so.example.org");
    t.is(ingress?.spec.tls[0].secretName, "so-tls");
    const env = docs.find((d) => d.kind === "Deployment")?.spec.template.spec.containers[0].env;
    t.true(env.some((e: { name: string; value?: string }) => e.name === "HELM_BIN" && e.value));

    const bad = spawnSync(
      helm,
      ["template", "so", join(root, "charts", "control-plane"), "--set", "service.type=Internet"],
      { encoding: "utf8" },
    );
    t.not(bad.status, 0);
    t.regex(bad.stderr, /service\/type/);
  },
);

const kubectl = realTool("kubectl");
const strictTest = runs && kubectl.ok ? test : test.skip;
if (!kubectl.ok) console.log(`SKIPPED strict-validation chart test: ${kubectl.reason}`);

strictTest(
  "every object both charts render is accepted by the simulator with strict field validation",
  async (t) => {
    const sim = await startSimulatorProcess({ cluster: "name=charts,nodes=1" });
    t.teardown(() => sim.stop());
    const renders = {
      "edge-agent": [
        ...agentValues,
        "--set",
        "joinToken=abcdef.0123456789abcdef",
        "--namespace",
        "default",
      ],
      "control-plane": ["--set", "ingress.enabled=true", "--set", "ingress.tlsSecretName=so-tls"],
    };
    for (const [chart, args] of Object.entries(renders)) {
      const yaml = execFileSync(helm, ["template", "so", join(root, "charts", chart), ...args], {
        encoding: "utf8",
      });
      const r = spawnSync(
        kubectl.ok ? kubectl.path : "kubectl",
        ["--kubeconfig", sim.kubeconfig, "apply", "--server-side", "--validate=strict", "-f", "-"],
        { input: yaml, encoding: "utf8" },
      );
      t.is(r.status, 0, `${chart}: ${r.stdout}${r.stderr}`);
    }
    // The check is real: a misspelled field in the same apply is refused.
    const typo = spawnSync(
      kubectl.ok ? kubectl.path : "kubectl",
      ["--kubeconfig", sim.kubeconfig, "apply", "--server-side", "--validate=strict", "-f", "-"],
      {
        input:
          "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n  namespace: default\nautomountServiceAcountToken: false\n",
        encoding: "utf8",
      },
    );
    t.not(typo.status, 0);
    t.regex(typo.stderr, /automountServiceAcountToken: field not declared in schema/);
  },
);
