import test from "ava";
import { startTestPlane } from "../testing/test-plane.js";

// POST /clusters refuses every kubeconfig form that could run code, read the
// control plane's disk or reach a metadata service, with 400 naming the field
// and nothing stored. (The checker itself: shared/src/inline-kubeconfig.test.ts.)

function kubeconfig(
  cluster: Record<string, unknown> = {},
  user: Record<string, unknown> = { token: "t0ken" },
) {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: "https://10.0.0.1:6443", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  };
}

const refused: [string, ReturnType<typeof kubeconfig>, string, RegExp][] = [
  [
    "exec",
    kubeconfig({}, { exec: { apiVersion: "v1", command: "sh", args: ["-c", "id > /tmp/x"] } }),
    "credentials.users.0.user.exec",
    /runs a command/,
  ],
  [
    "auth-provider",
    kubeconfig({}, { "auth-provider": { name: "gcp", config: { "cmd-path": "sh" } } }),
    "credentials.users.0.user.auth-provider",
    /runs provider code/,
  ],
  [
    "tokenFile",
    kubeconfig({}, { tokenFile: "/etc/shadow" }),
    "credentials.users.0.user.tokenFile",
    /file path/,
  ],
  [
    "client-certificate",
    kubeconfig({}, { "client-certificate": "/etc/c.pem" }),
    "credentials.users.0.user.client-certificate",
    /file path/,
  ],
  [
    "client-key",
    kubeconfig({}, { "client-key": "/etc/k.pem" }),
    "credentials.users.0.user.client-key",
    /file path/,
  ],
  [
    "certificate-authority",
    kubeconfig({ "certificate-authority": "/etc/ca.pem" }),
    "credentials.clusters.0.cluster.certificate-authority",
    /file path/,
  ],
  [
    "metadata server",
    kubeconfig({ server: "https://169.254.169.254/latest" }),
    "credentials.clusters.0.cluster.server",
    /link-local or cloud metadata/,
  ],
  [
    "IPv6 link-local server",
    kubeconfig({ server: "https://[fe80::1]:6443" }),
    "credentials.clusters.0.cluster.server",
    /link-local or cloud metadata/,
  ],
  [
    "http server",
    kubeconfig({ server: "http://10.0.0.1:6443" }),
    "credentials.clusters.0.cluster.server",
    /SO_ALLOW_HTTP_CLUSTERS/,
  ],
];

test("every non-inline kubeconfig form is a 400 naming the field, and nothing is stored", async (t) => {
  const p = await startTestPlane();
  t.teardown(() => p.close());
  for (const [what, credentials, field, reason] of refused) {
    const res = await p.api("POST", "/clusters", { body: { name: "legacy", credentials } });
    t.is(res.status, 400, what);
    t.is(res.headers.get("content-type"), "application/problem+json", what);
    const hit = res.body.errors?.find((e: { field: string }) => e.field === field);
    t.truthy(hit, `${what}: ${JSON.stringify(res.body)}`);
    t.regex(hit?.reason ?? "", reason, what);
    t.regex(res.body.message, new RegExp(field.replaceAll(".", "\\.")), what);
  }
  t.deepEqual((await p.api("GET", "/clusters")).body, []);
  t.is(p.plane.managedAgents.pid("legacy"), undefined);
});

test("inline credentials are accepted; http servers only with SO_ALLOW_HTTP_CLUSTERS=true", async (t) => {
  const strict = await startTestPlane();
  t.teardown(() => strict.close());
  const inline = kubeconfig(
    { "certificate-authority-data": "Q0E=", "tls-server-name": "api" },
    { "client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ" },
  );
  t.is(
    (await strict.api("POST", "/clusters", { body: { name: "a", credentials: inline } })).status,
    201,
  );

  const lab = await startTestPlane({ env: { SO_ALLOW_HTTP_CLUSTERS: "true" } });
  t.teardown(() => lab.close());
  const http = kubeconfig({ server: "http://127.0.0.1:1", "insecure-skip-tls-verify": true });
  t.is(
    (await lab.api("POST", "/clusters", { body: { name: "b", credentials: http } })).status,
    201,
  );
  // Allowing http does not allow anything else.
  const exec = kubeconfig({}, { exec: { command: "true" } });
  t.is(
    (await lab.api("POST", "/clusters", { body: { name: "c", credentials: exec } })).status,
    400,
  );
});
