// CustomResourceDefinitions held to the real kubectl (v1.35) and Helm (v4),
// against a `kube-simulator` process: a CRD, then one of its resources.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ExecutionContext } from "ava";
import { conformance, ok, startClient } from "./real-client.js";

const c = await startClient("name=crds,nodes=1");
const kubectlTest = conformance("kubectl");
const helmTest = conformance("helm");

const crd = (group: string, plural: string, kind: string, short: string) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind}, shortNames: [${short}]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Schedule, type: string, jsonPath: .spec.cronSpec}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              replicas: {type: integer}
`;

/** Applies {@link crd} and waits until it is Established; resolves to both commands' output. */
async function establish(t: ExecutionContext, ...args: Parameters<typeof crd>) {
  const [group, plural] = args;
  const applied = ok(t, await c.kubectl(["apply", "-f", "-"], crd(...args)), "apply crd");
  const waited = ok(
    t,
    await c.kubectl([
      "wait",
      "--for=condition=Established",
      `crd/${plural}.${group}`,
      "--timeout=60s",
    ]),
    "wait",
  );
  return { applied, waited };
}

const cronTab = (extra = "") => `
apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: nightly
  namespace: default
spec:
  cronSpec: "0 3 * * *"
  replicas: 2${extra}
`;

kubectlTest(
  "apply a CRD, wait for Established, then apply, get and list one of its resources",
  async (t) => {
    const { applied: made, waited } = await establish(
      t,
      "stable.example.com",
      "crontabs",
      "CronTab",
      "ct",
    );
    t.is(
      made.trim(),
      "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created",
    );
    t.is(
      waited.trim(),
      "customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com condition met",
    );
    const crds = ok(t, await c.kubectl(["get", "crd", "crontabs.stable.example.com"]), "get crd");
    t.regex(
      crds,
      /^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/,
    );
    const applied = ok(t, await c.kubectl(["apply", "-f", "-"], cronTab()), "apply cr");
    t.is(applied.trim(), "crontab.stable.example.com/nightly created");
    const again = ok(
      t,
      await c.kubectl(["apply", "-f", "-"], cronTab().replace("replicas: 2", "replicas: 3")),
      "apply cr",
    );
    t.is(again.trim(), "crontab.stable.example.com/nightly configured");
    const table = ok(t, await c.kubectl(["get", "ct", "-n", "default"]), "get ct");
    t.regex(table, /^NAME\s+SCHEDULE\s+AGE\nnightly\s+0 3 \* \* \*\s+\d+s\n$/);
    const replicas = ok(
      t,
      await c.kubectl([
        "get",
        "crontab",
        "nightly",
        "-n",
        "default",
        "-o",
        "jsonpath={.spec.replicas}",
      ]),
      "get",
    );
    t.is(replicas, "3");
    const resources = ok(
      t,
      await c.kubectl(["api-resources", "--api-group=stable.example.com"]),
      "api-resources",
    );
    t.regex(resources, /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m);
    // The CRD's schema reaches /openapi/v2 too (kubectl reads it in protobuf).
    const explained = ok(
      t,
      await c.kubectl(["explain", "crontab.spec.cronSpec", "--output", "plaintext-openapiv2"]),
      "explain v2",
    );
    t.regex(
      explained,
      /^KIND:\s+CronTab\nVERSION:\s+stable\.example\.com\/v1\n\nFIELD:\s+cronSpec <string>/,
    );
  },
);

kubectlTest(
  "a misspelled field in a custom resource is refused with the server's message",
  async (t) => {
    await establish(t, "typo.example.com", "gizmos", "Gizmo", "gz");
    const bad = `apiVersion: typo.example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n  namespace: default\nspec:\n  cronSpce: "* * * * *"\n`;
    const r = await c.kubectl(["apply", "-f", "-"], bad);
    t.is(r.code, 1);
    t.regex(r.stderr, /strict decoding error: unknown field "spec\.cronSpce"/);
  },
);

kubectlTest("deleting a CRD removes its resources and its API", async (t) => {
  await establish(t, "gone.example.com", "widgets", "Widget", "wd");
  const w = `apiVersion: gone.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  replicas: 1\n`;
  ok(t, await c.kubectl(["apply", "-f", "-"], w), "apply widget");
  const deleted = ok(
    t,
    await c.kubectl(["delete", "crd", "widgets.gone.example.com"]),
    "delete crd",
  );
  t.is(
    deleted.trim(),
    'customresourcedefinition.apiextensions.k8s.io "widgets.gone.example.com" deleted',
  );
  const after = await c.kubectl(["get", "widgets.gone.example.com", "-n", "default"]);
  t.is(after.code, 1);
  t.regex(after.stderr, /the server doesn't have a resource type "widgets"/);
});

helmTest("helm install puts a chart's crds/ in first, then its custom resources", async (t) => {
  const chart = join(dirname(c.file("x", "")), "with-crds");
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(chart, path)), { recursive: true });
    writeFileSync(join(chart, path), text);
  };
  put("Chart.yaml", "apiVersion: v2\nname: with-crds\nversion: 0.1.0\n");
  put("crds/backups.yaml", crd("helm.example.com", "backups", "Backup", "bk"));
  put(
    "templates/backup.yaml",
    'apiVersion: helm.example.com/v1\nkind: Backup\nmetadata:\n  name: {{ .Release.Name }}-nightly\nspec:\n  cronSpec: "0 1 * * *"\n',
  );
  ok(
    t,
    await c.helm(["install", "bk", chart, "-n", "default", "--wait", "--timeout", "60s"]),
    "helm install",
  );
  const name = ok(
    t,
    await c.kubectl([
      "get",
      "backups.helm.example.com",
      "-n",
      "default",
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]),
    "get backups",
  );
  t.is(name, "bk-nightly");
});
