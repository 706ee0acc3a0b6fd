import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { loadMasterKey } from "../security/master-key.js";
import { SecretBox } from "../security/secret-box.js";
import { openStore } from "../store/open-store.js";
import { updateWithRetry } from "../store/store.js";
import { startTestPlane } from "../testing/test-plane.js";
import { type ClusterDoc, clusterCollection } from "./cluster-doc.js";
import { credentialsContext } from "./cluster-service.js";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function kubeconfig(server: string, user: Record<string, unknown> = { token: "t" }) {
  return {
    clusters: [{ name: "c", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  };
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const end = Date.now() + 60_000;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const env = { SO_ALLOW_HTTP_CLUSTERS: "true" };

test("a credential cluster whose API server cannot be reached stays Pending with the agent's last error as statusReason", async (t) => {
  const p = await startTestPlane({ env });
  t.teardown(() => p.close());
  const server = `http://127.0.0.1:${await closedPort()}`;
  const res = await p.api("POST", "/clusters", {
    body: { name: "unreachable", credentials: kubeconfig(server) },
  });
  t.is(res.status, 201);
  const view = await until(async () => {
    const v = (await p.api("GET", `/clusters/${res.body.uid}`)).body;
    return v.statusReason ? v : undefined;
  }, "a status reason");
  t.is(view.status, "Pending");
  // The first failure surfaces from the informers or from building Hello (which
  // reads /version); either way the reason names the unreachable API server.
  t.regex(view.statusReason, /^(Kubernetes API|hub link): .*ECONNREFUSED/);
  t.true(view.statusReason.includes(server.slice("http://".length)), view.statusReason);
  t.is(p.plane.managedAgents.status(res.body.uid)?.state, "failing");
});

test("a kubeconfig stored before the inline-only rule is refused by the agent host: nothing runs, the reason is shown", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "so-legacy-"));
  const marker = join(dir, "exec-ran");
  const first = await startTestPlane({ env });
  const res = await first.api("POST", "/clusters", {
    body: { name: "legacy", credentials: kubeconfig(`http://127.0.0.1:${await closedPort()}`) },
  });
  t.is(res.status, 201);
  const uid: string = res.body.uid;
  await first.close();

  // Rewrite the stored kubeconfig as an older version accepted it: with an exec plugin.
  const store = await openStore(first.config);
  const secrets = new SecretBox(loadMasterKey(first.config).key);
  const clusters = await store.collection<ClusterDoc>(
    clusterCollection.name,
    clusterCollection.options,
  );
  const legacy = kubeconfig("https://127.0.0.1:1", {
    exec: {
      apiVersion: "client.authentication.k8s.io/v1",
      command: "sh",
      args: ["-c", `touch ${marker}; echo '{"status":{"token":"x"}}'`],
    },
  });
  await updateWithRetry(clusters, uid, (c) => ({
    ...c,
    credentials: secrets.seal(legacy, credentialsContext(uid)),
  }));
  await store.close();

  const second = await startTestPlane({ dataDir: first.dataDir, env });
  t.teardown(() => second.close());
  const view = await until(async () => {
    const v = (await second.api("GET", `/clusters/${uid}`)).body;
    return v.statusReason ? v : undefined;
  }, "the refusal as status reason");
  t.regex(view.statusReason, /kubeconfig refused: users\.0\.user\.exec runs a command/);
  t.is(second.plane.managedAgents.status(uid)?.state, "refused");
  t.false(existsSync(marker), "the exec command ran");
});
