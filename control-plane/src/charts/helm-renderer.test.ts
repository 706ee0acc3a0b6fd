import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realTool } from "@smart-orchestrator/kube-simulator/real-tools";
import test from "ava";
import { helmFixture } from "../testing/helm-repo-server.js";
import { HelmRenderer } from "./helm-renderer.js";

const work = () => mkdtempSync(join(tmpdir(), "so-helm-"));
const chart = helmFixture("repo-podinfo", "podinfo-6.14.1.tgz");

test("without helm the error says how to install it", async (t) => {
  const r = new HelmRenderer({ helmBin: "/nonexistent/bin/helm", workDir: work() });
  const err = await t.throwsAsync(
    r.render({
      source: { type: "chart", archivePath: chart, values: {} },
      releaseName: "a",
      namespace: "b",
    }),
  );
  t.is((err as { code?: string }).code, "failed_precondition");
  t.regex(
    err?.message ?? "",
    /helm is not available .*not found.*install Helm 3\.8\+ or 4.*HELM_BIN/,
  );
});

test("helm gets release, namespace, values file, kube and API versions and --include-crds (fake helm)", async (t) => {
  // A test double for the helm CLI: records its arguments and values, prints fixed output.
  const dir = work();
  const fake = join(dir, "helm");
  const record = join(dir, "args.json");
  writeFileSync(
    fake,
    `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
const values = fs.readFileSync(args[args.indexOf("--values") + 1], "utf8");
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args, values }));
process.stdout.write(\`---
# Source: demo/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: demo
---
# Source: demo/templates/tests/t.yaml
apiVersion: v1
kind: Pod
metadata:
  name: demo-test
  annotations:
    "helm.sh/hook": test
\`);
`,
  );
  chmodSync(fake, 0o755);
  const r = new HelmRenderer({ helmBin: fake, workDir: join(dir, "work") });
  const objects = await r.render({
    source: { type: "chart", archivePath: chart, values: { replicaCount: 3, ui: null } },
    releaseName: "demo",
    namespace: "apps",
    kubeVersion: "v1.30.2",
    apiVersions: ["monitoring.coreos.com/v1", "gateway.networking.k8s.io/v1/HTTPRoute"],
  });
  const seen = JSON.parse(readFileSync(record, "utf8")) as { args: string[]; values: string };
  const valuesFile = seen.args[seen.args.indexOf("--values") + 1];
  t.deepEqual(seen.args, [
    "template",
    "demo",
    chart,
    "--namespace",
    "apps",
    "--values",
    valuesFile,
    "--include-crds",
    "--kube-version",
    "v1.30.2",
    "--api-versions",
    "monitoring.coreos.com/v1",
    "--api-versions",
    "gateway.networking.k8s.io/v1/HTTPRoute",
  ]);
  t.deepEqual(JSON.parse(seen.values), { replicaCount: 3, ui: null });
  t.throws(() => readFileSync(valuesFile as string), undefined, "values file left behind");
  t.deepEqual(
    objects.map((o) => [o.object.kind, o.hooks, o.source]),
    [
      ["Service", [], "demo/templates/svc.yaml"],
      ["Pod", ["test"], "demo/templates/tests/t.yaml"],
    ],
  );
});

test("a failing helm reports its stderr; bad release names never reach helm", async (t) => {
  const dir = work();
  const fake = join(dir, "helm");
  writeFileSync(
    fake,
    `#!${process.execPath}\nprocess.stderr.write("Error: template: boom\\n");\nprocess.exit(1);\n`,
  );
  chmodSync(fake, 0o755);
  const r = new HelmRenderer({ helmBin: fake, workDir: dir });
  const source = { type: "chart" as const, archivePath: chart, values: {} };
  await t.throwsAsync(r.render({ source, releaseName: "ok", namespace: "ns" }), {
    message: /helm template failed: Error: template: boom/,
  });
  await t.throwsAsync(r.render({ source, releaseName: "Bad_Name", namespace: "ns" }), {
    message: /release name/,
  });
});

// Real Helm: HELM_BIN (set by scripts/test.mjs to .tools/bin/helm) or helm on PATH.
const helm = realTool("helm");
const realHelm = (
  title: string,
  body: (t: import("ava").ExecutionContext, bin: string) => unknown,
) => {
  if (helm.ok) test(title, (t) => body(t, helm.path));
  else {
    console.log(`SKIPPED ${title}: ${helm.reason}`);
    test.skip(`${title} (SKIPPED: ${helm.reason})`, () => {});
  }
};

realHelm("real helm renders podinfo with hooks tagged", async (t, bin) => {
  const r = new HelmRenderer({ helmBin: bin, workDir: work() });
  const objects = await r.render({
    source: { type: "chart", archivePath: chart, values: { replicaCount: 2 } },
    releaseName: "pi",
    namespace: "apps",
    kubeVersion: "v1.30.0",
  });
  const deploy = objects.find((o) => o.object.kind === "Deployment");
  t.is((deploy?.object.spec as { replicas?: number } | undefined)?.replicas, 2);
  t.true(objects.some((o) => o.object.kind === "Service" && o.hooks.length === 0));
  t.true(objects.some((o) => o.hooks.includes("test")));
});

realHelm(
  "real helm refuses values that break the chart's values.schema.json, naming the field",
  async (t, bin) => {
    // alertmanager ships a JSON Schema (draft-07) that wants an integer replicaCount.
    const r = new HelmRenderer({ helmBin: bin, workDir: work() });
    const source = {
      type: "chart" as const,
      archivePath: helmFixture("charts", "alertmanager"),
      values: { replicaCount: "many" },
    };
    await t.throwsAsync(r.render({ source, releaseName: "am", namespace: "mon" }), {
      message:
        /helm template failed: .*values don't meet the specifications of the schema.*alertmanager.*\/replicaCount.*got string, want integer/s,
    });
    // The same chart with valid values renders, so the refusal above is the schema's doing.
    const ok = await r.render({
      source: { ...source, values: { replicaCount: 2 } },
      releaseName: "am",
      namespace: "mon",
    });
    t.true(ok.some((o) => o.object.kind === "StatefulSet"));
  },
);

realHelm("real helm refuses a cluster outside the chart's kubeVersion", async (t, bin) => {
  // podinfo 6.14.1 declares kubeVersion >=1.23.0-0.
  const r = new HelmRenderer({ helmBin: bin, workDir: work() });
  const source = { type: "chart" as const, archivePath: chart, values: {} };
  await t.throwsAsync(
    r.render({ source, releaseName: "old", namespace: "apps", kubeVersion: "v1.19.16" }),
    {
      message:
        /helm template failed: .*chart requires kubeVersion: >=1\.23\.0-0 which is incompatible with Kubernetes v1\.19\.16/,
    },
  );
  const rendered = await r.render({
    source,
    releaseName: "new",
    namespace: "apps",
    kubeVersion: "v1.23.0",
  });
  t.true(rendered.some((o) => o.object.kind === "Deployment"));
});
