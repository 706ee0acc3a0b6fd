import test from "ava";
import {
  inlineKubeconfigIssues,
  isLinkLocalOrMetadataHost,
  toInlineKubeconfig,
} from "./inline-kubeconfig.js";

/** A kubeconfig as `kubectl config view --raw -o json` prints it, inline data only. */
function kubeconfig(
  cluster: Record<string, unknown> = {},
  user: Record<string, unknown> = { token: "abc" },
) {
  return {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [
      {
        name: "c",
        cluster: {
          server: "https://10.0.0.1:6443",
          "certificate-authority-data": "Q0E=",
          ...cluster,
        },
        extensions: [],
      },
    ],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "default" } }],
    "current-context": "ctx",
  };
}
const https = { allowHttp: false };

test("inline data is accepted and mapped to client-node's names, nothing else kept", (t) => {
  const doc = kubeconfig(
    { "tls-server-name": "api.local", "insecure-skip-tls-verify": false },
    { "client-certificate-data": "Q0VSVA==", "client-key-data": "S0VZ" },
  );
  t.deepEqual(inlineKubeconfigIssues(doc, https), []);
  const inline = toInlineKubeconfig(doc, https);
  t.like(inline.clusters[0], {
    name: "c",
    server: "https://10.0.0.1:6443",
    caData: "Q0E=",
    skipTLSVerify: false,
    tlsServerName: "api.local",
  });
  t.like(inline.users[0], { name: "u", certData: "Q0VSVA==", keyData: "S0VZ" });
  t.deepEqual(inline.contexts, [{ name: "ctx", cluster: "c", user: "u", namespace: "default" }]);
  t.is(inline.currentContext, "ctx");
  t.deepEqual(inlineKubeconfigIssues(kubeconfig({}, { username: "a", password: "b" }), https), []);
});

const refusedUsers: [string, unknown, RegExp][] = [
  ["exec", { command: "sh", args: ["-c", "id > /tmp/x"], apiVersion: "v1" }, /runs a command/],
  ["auth-provider", { name: "gcp", config: { "cmd-path": "/bin/sh" } }, /runs provider code/],
  ["tokenFile", "/var/run/secrets/token", /file path/],
  ["client-certificate", "/etc/ssl/cert.pem", /file path.*client-certificate-data/],
  ["client-key", "/etc/ssl/key.pem", /file path.*client-key-data/],
  ["as", "system:admin", /inline data only/],
];
for (const [field, value, reason] of refusedUsers) {
  test(`a user's ${field} is refused, naming the field`, (t) => {
    const issues = inlineKubeconfigIssues(kubeconfig({}, { [field]: value }), https);
    t.is(issues.length, 1);
    t.deepEqual(issues[0]?.path, ["users", 0, "user", field]);
    t.regex(issues[0]?.reason ?? "", reason);
    t.throws(() => toInlineKubeconfig(kubeconfig({}, { [field]: value }), https), {
      message: new RegExp(`users\\.0\\.user\\.${field}`),
    });
  });
}

test("a cluster's certificate-authority file and proxy-url are refused", (t) => {
  const issues = inlineKubeconfigIssues(
    kubeconfig({ "certificate-authority": "/etc/ca.pem", "proxy-url": "http://10.0.0.9:3128" }),
    https,
  );
  t.deepEqual(
    issues.map((i) => i.path.join(".")),
    ["clusters.0.cluster.certificate-authority", "clusters.0.cluster.proxy-url"],
  );
  t.regex(issues[0]?.reason ?? "", /certificate-authority-data/);
});

const refusedServers: [string, RegExp][] = [
  ["http://10.0.0.1:6443", /must be https.*SO_ALLOW_HTTP_CLUSTERS/],
  ["file:///etc/passwd", /https URL/],
  ["not a url", /https URL/],
  ["https://169.254.169.254/", /link-local or cloud metadata/],
  ["https://2852039166/", /link-local or cloud metadata/],
  ["https://[fe80::1]:6443", /link-local or cloud metadata/],
  ["https://[fd00:ec2::254]/", /link-local or cloud metadata/],
  ["https://[::ffff:169.254.169.254]/", /link-local or cloud metadata/],
  ["https://metadata.google.internal./", /link-local or cloud metadata/],
  ["https://100.100.100.200/", /link-local or cloud metadata/],
  ["https://user:pw@10.0.0.1/", /must not carry credentials/],
];
for (const [server, reason] of refusedServers) {
  test(`server ${server} is refused`, (t) => {
    const issues = inlineKubeconfigIssues(kubeconfig({ server }), https);
    t.deepEqual(issues[0]?.path, ["clusters", 0, "cluster", "server"]);
    t.regex(issues[0]?.reason ?? "", reason);
  });
}

test("http servers pass only when allowed; loopback and private addresses pass", (t) => {
  const http = kubeconfig({ server: "http://127.0.0.1:8001", "insecure-skip-tls-verify": true });
  t.deepEqual(inlineKubeconfigIssues(http, { allowHttp: true }), []);
  t.is(inlineKubeconfigIssues(http, https).length, 1);
  for (const server of ["https://192.168.1.10:6443", "https://[::1]:6443", "https://k8s.local"])
    t.deepEqual(inlineKubeconfigIssues(kubeconfig({ server }), https), [], server);
});

test("wrong types and unknown top-level fields are named", (t) => {
  const doc = {
    ...kubeconfig({ "insecure-skip-tls-verify": "yes" }, { token: 42 }),
    "exec-everywhere": true,
  };
  t.deepEqual(
    inlineKubeconfigIssues(doc, https).map((i) => `${i.path.join(".")}: ${i.reason}`),
    [
      "exec-everywhere: is not accepted: a kubeconfig here holds inline data only",
      "clusters.0.cluster.insecure-skip-tls-verify: must be a boolean",
      "users.0.user.token: must be a string",
    ],
  );
  t.deepEqual(inlineKubeconfigIssues("exec", https), [
    { path: [], reason: "must be a kubeconfig object" },
  ]);
});

test("link-local and metadata hosts", (t) => {
  for (const h of ["169.254.0.1", "[fe80::abcd]", "METADATA", "instance-data"])
    t.true(isLinkLocalOrMetadataHost(h), h);
  for (const h of ["10.0.0.1", "172.16.0.1", "127.0.0.1", "[::1]", "example.com", "[fd00::1]"])
    t.false(isLinkLocalOrMetadataHost(h), h);
});
