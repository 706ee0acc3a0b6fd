// The simulator held to the real kubectl (v1.35, from npm run tools): one
// test per behaviour, against a `kube-simulator` process, as a user runs it.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { conformance, ok, startClient } from "./real-client.js";

const c = await startClient("name=conf,nodes=3,arch=arm64,cpu=4,memory=8Gi", [
  "--forbid",
  "secrets",
]);
const kubectlTest = conformance("kubectl");

const deployment = (ns: string, name: string, replicas: number, extra = "") => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources: {requests: {cpu: 50m, memory: 32Mi}}${extra}
`;
const namespace = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`;
async function ns(name: string): Promise<void> {
  const r = await c.kubectl(["apply", "-f", "-"], namespace(name));
  if (r.code !== 0) throw new Error(`namespace ${name}: ${r.stderr}`);
}

kubectlTest(
  "get nodes shows NAME STATUS ROLES AGE VERSION for three Ready arm64 nodes",
  async (t) => {
    const out = ok(t, await c.kubectl(["get", "nodes", "-L", "kubernetes.io/arch"]), "get nodes");
    const [header, ...rows] = out.trim().split("\n");
    t.regex(header ?? "", /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+ARCH$/);
    t.is(rows.length, 3);
    for (const row of rows)
      t.regex(row, /^conf-\S+\s+Ready\s+\S+\s+\d+\w\s+v1\.\d+\.\d+\S*\s+arm64$/);
  },
);

kubectlTest("get -o wide adds the wide columns", async (t) => {
  const out = ok(t, await c.kubectl(["get", "nodes", "-o", "wide"]), "get -o wide");
  t.regex(
    out,
    /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME\n/,
  );
  t.regex(out, /\s10\.\d+\.\d+\.\d+\s+<none>\s+/);
});

kubectlTest("apply (client-side) creates, then configures, a Deployment", async (t) => {
  await ns("csa");
  const first = ok(t, await c.kubectl(["apply", "-f", "-"], deployment("csa", "web", 2)), "apply");
  t.is(first.trim(), "deployment.apps/web created");
  const again = ok(t, await c.kubectl(["apply", "-f", "-"], deployment("csa", "web", 3)), "apply");
  t.is(again.trim(), "deployment.apps/web configured");
  const same = ok(t, await c.kubectl(["apply", "-f", "-"], deployment("csa", "web", 3)), "apply");
  t.is(same.trim(), "deployment.apps/web unchanged");
  const replicas = ok(
    t,
    await c.kubectl(["get", "deploy", "web", "-n", "csa", "-o", "jsonpath={.spec.replicas}"]),
    "get",
  );
  t.is(replicas, "3");
});

kubectlTest(
  "apply --server-side: a second field manager gets a conflict, --force-conflicts takes over",
  async (t) => {
    await ns("ssa");
    const cm = (color: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: paint\n  namespace: ssa\ndata:\n  color: ${color}\n`;
    const made = ok(
      t,
      await c.kubectl(["apply", "--server-side", "--field-manager=alice", "-f", "-"], cm("red")),
      "ssa alice",
    );
    t.is(made.trim(), "configmap/paint serverside-applied");
    const clash = await c.kubectl(
      ["apply", "--server-side", "--field-manager=bob", "-f", "-"],
      cm("blue"),
    );
    t.is(clash.code, 1);
    t.regex(
      clash.stderr,
      /Apply failed with 1 conflict: conflict with "alice" using v1: \.data\.color/,
    );
    ok(
      t,
      await c.kubectl(
        ["apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", "-"],
        cm("blue"),
      ),
      "force",
    );
    const color = ok(
      t,
      await c.kubectl(["get", "cm", "paint", "-n", "ssa", "-o", "jsonpath={.data.color}"]),
      "get",
    );
    t.is(color, "blue");
  },
);

kubectlTest("diff shows a changed field and exits 1; no change exits 0", async (t) => {
  await ns("diff");
  ok(t, await c.kubectl(["apply", "-f", "-"], deployment("diff", "web", 1)), "apply");
  const changed = await c.kubectl(["diff", "-f", "-"], deployment("diff", "web", 4));
  t.is(changed.code, 1, changed.stderr);
  t.regex(changed.stdout, /^-\s+replicas: 1$/m);
  t.regex(changed.stdout, /^\+\s+replicas: 4$/m);
  const same = await c.kubectl(["diff", "-f", "-"], deployment("diff", "web", 1));
  t.is(same.code, 0, same.stderr + same.stdout);
});

kubectlTest(
  "get -w streams a pod created while watching and ends on its request timeout",
  async (t) => {
    await ns("watch");
    const run = (name: string) =>
      c.kubectl(["run", name, "-n", "watch", "--image=busybox", "--restart=Never"]);
    ok(t, await run("first"), "run first");
    const child = spawn(
      c.kubectlPath,
      ["get", "pods", "-n", "watch", "-w", "--request-timeout=8s"],
      {
        env: { ...process.env, KUBECONFIG: c.sim.kubeconfig },
      },
    );
    const lines: string[] = [];
    const exited = new Promise<number | null>((r) => child.once("exit", r));
    const rl = createInterface({ input: child.stdout });
    await new Promise<void>((resolve) => {
      rl.on("line", (line) => {
        lines.push(line);
        // The list is in: what is created now comes through the watch, which resumes from it.
        if (/^first\s/.test(line) && lines.filter((l) => /^first\s/.test(l)).length === 1)
          void run("lone");
        if (/^lone\s/.test(line)) resolve();
      });
    });
    t.is(await exited, 0);
    t.regex(lines[0] ?? "", /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    t.true(lines.some((l) => /^lone\s+\d\/1\s+\w+/.test(l)));
  },
);

kubectlTest("rollout status waits for the Deployment to roll out", async (t) => {
  await ns("rollout");
  ok(t, await c.kubectl(["apply", "-f", "-"], deployment("rollout", "web", 3)), "apply");
  const out = ok(
    t,
    await c.kubectl(["rollout", "status", "deployment/web", "-n", "rollout", "--timeout=60s"]),
    "rollout status",
  );
  t.regex(out, /deployment "web" successfully rolled out/);
  const ready = ok(
    t,
    await c.kubectl([
      "get",
      "deploy",
      "web",
      "-n",
      "rollout",
      "-o",
      "jsonpath={.status.readyReplicas}",
    ]),
    "get",
  );
  t.is(ready, "3");
});

kubectlTest(
  "wait --for=condition=Available on a Deployment and --for=condition=complete on a Job",
  async (t) => {
    await ns("wait");
    ok(t, await c.kubectl(["apply", "-f", "-"], deployment("wait", "api", 2)), "apply");
    const avail = ok(
      t,
      await c.kubectl([
        "wait",
        "--for=condition=Available",
        "deployment/api",
        "-n",
        "wait",
        "--timeout=60s",
      ]),
      "wait",
    );
    t.is(avail.trim(), "deployment.apps/api condition met");
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\n  namespace: wait\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n        command: ["true"]\n`;
    ok(t, await c.kubectl(["apply", "-f", "-"], job), "apply job");
    const done = ok(
      t,
      await c.kubectl([
        "wait",
        "--for=condition=complete",
        "job/once",
        "-n",
        "wait",
        "--timeout=60s",
      ]),
      "wait job",
    );
    t.is(done.trim(), "job.batch/once condition met");
  },
);

kubectlTest("delete -l removes what the selector matches and nothing else", async (t) => {
  await ns("dell");
  ok(
    t,
    await c.kubectl(
      ["apply", "-f", "-"],
      `${deployment("dell", "gone", 1)}---${deployment("dell", "kept", 1)}`,
    ),
    "apply",
  );
  const out = ok(
    t,
    await c.kubectl(["delete", "deployments", "-l", "app=gone", "-n", "dell"]),
    "delete -l",
  );
  t.is(out.trim(), 'deployment.apps "gone" deleted from dell namespace');
  const left = ok(t, await c.kubectl(["get", "deployments", "-n", "dell", "-o", "name"]), "get");
  t.is(left.trim(), "deployment.apps/kept");
});

kubectlTest("top nodes shows CPU and memory per node from metrics.k8s.io", async (t) => {
  const out = ok(t, await c.kubectl(["top", "nodes"]), "top nodes");
  const [header, ...rows] = out.trim().split("\n");
  t.regex(header ?? "", /^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
  t.is(rows.length, 3);
  for (const row of rows) t.regex(row, /^conf-\S+\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
});

kubectlTest("auth can-i answers yes and no from the simulator's permission rules", async (t) => {
  const yes = await c.kubectl(["auth", "can-i", "create", "deployments", "-n", "default"]);
  t.is(yes.code, 0);
  t.is(yes.stdout.trim(), "yes");
  const no = await c.kubectl(["auth", "can-i", "get", "secrets", "-n", "default"]);
  t.is(no.code, 1);
  t.is(no.stdout.trim(), "no");
});

kubectlTest("api-resources lists the served kinds with their groups", async (t) => {
  const out = ok(t, await c.kubectl(["api-resources"]), "api-resources");
  t.regex(out, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
  t.regex(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  t.regex(out, /^nodes\s+no\s+v1\s+false\s+Node$/m);
  t.regex(
    out,
    /^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview$/m,
  );
});

kubectlTest("a misspelled field is refused as the API server refuses it", async (t) => {
  await ns("typo");
  const bad = deployment("typo", "web", 1).replace("replicas:", "replicsa:");
  const r = await c.kubectl(["apply", "-f", "-"], bad);
  t.is(r.code, 1);
  t.regex(r.stderr, /strict decoding error: unknown field "spec\.replicsa"/);
  const none = await c.kubectl(["get", "deploy", "web", "-n", "typo"]);
  t.regex(none.stderr, /NotFound|not found/);
});

kubectlTest("explain --output plaintext-openapiv2 reads the protobuf /openapi/v2", async (t) => {
  const out = ok(
    t,
    await c.kubectl(["explain", "deployment.spec.replicas", "--output", "plaintext-openapiv2"]),
    "explain",
  );
  t.regex(out, /^KIND:\s+Deployment\nVERSION:\s+apps\/v1\n\nFIELD:\s+replicas <integer>/);
  const containers = ok(
    t,
    await c.kubectl([
      "explain",
      "deployment.spec.template.spec.containers",
      "--output",
      "plaintext-openapiv2",
    ]),
    "explain containers",
  );
  t.regex(containers, /RESOURCE:\s+containers <\[\]Object>/);
  t.regex(containers, /^ {3}image\t<string>$/m);
});

kubectlTest(
  "discovery is aggregated: api-resources reads /api and /apis and nothing else",
  async (t) => {
    // -v=6 logs each request; a fresh cache directory makes kubectl discover from scratch.
    const r = await c.kubectl([
      "api-resources",
      "-v=6",
      "--cache-dir",
      `${c.file("cache-marker", "")}.d`,
    ]);
    t.is(r.code, 0, r.stderr);
    const gets = [...r.stderr.matchAll(/verb="GET" url="http:\/\/[^/]+(\/[^?"]*)/g)].map(
      (m) => m[1],
    );
    t.deepEqual(gets, ["/api", "/apis"]);
    t.regex(r.stdout, /^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
  },
);
