// The simulator held to the real Helm (v4.1.4, from npm run tools): install,
// upgrade and uninstall of the real podinfo chart against a kube-simulator
// process, with --wait, so Helm's own client (server-side apply, release
// Secrets over protobuf, kstatus readiness) exercises it.
import { join } from "node:path";
import { conformance, ok, startClient } from "./real-client.js";

const chart = join(import.meta.dirname, "..", "..", "test", "fixtures", "helm", "podinfo");
const c = await startClient("name=helm,nodes=2");
const helmTest = conformance("helm");

helmTest("helm install, upgrade and uninstall podinfo, waiting for readiness", async (t) => {
  const installed = ok(
    t,
    await c.helm([
      "install",
      "pi",
      chart,
      "-n",
      "apps",
      "--create-namespace",
      "--wait",
      "--timeout",
      "60s",
    ]),
    "helm install",
  );
  t.regex(installed, /STATUS: deployed/);
  t.regex(installed, /REVISION: 1/);
  const ready = ok(
    t,
    await c.kubectl([
      "get",
      "deploy",
      "pi-podinfo",
      "-n",
      "apps",
      "-o",
      "jsonpath={.status.readyReplicas}",
    ]),
    "get",
  );
  t.is(ready, "1");

  const upgraded = ok(
    t,
    await c.helm([
      "upgrade",
      "pi",
      chart,
      "-n",
      "apps",
      "--set",
      "replicaCount=2",
      "--wait",
      "--timeout",
      "60s",
    ]),
    "helm upgrade",
  );
  t.regex(upgraded, /REVISION: 2/);
  const replicas = ok(
    t,
    await c.kubectl([
      "get",
      "deploy",
      "pi-podinfo",
      "-n",
      "apps",
      "-o",
      "jsonpath={.spec.replicas}/{.status.readyReplicas}",
    ]),
    "get",
  );
  t.is(replicas, "2/2");
  const list = ok(t, await c.helm(["list", "-n", "apps", "-o", "json"]), "helm list");
  t.like((JSON.parse(list) as unknown[])[0], {
    name: "pi",
    revision: "2",
    status: "deployed",
    chart: "podinfo-6.14.1",
  });
  // Helm keeps each revision in a Secret of type helm.sh/release.v1.
  const secrets = ok(
    t,
    await c.kubectl(["get", "secrets", "-n", "apps", "-l", "owner=helm", "-o", "name"]),
    "get secrets",
  );
  t.deepEqual(secrets.trim().split("\n").sort(), [
    "secret/sh.helm.release.v1.pi.v1",
    "secret/sh.helm.release.v1.pi.v2",
  ]);

  const removed = ok(
    t,
    await c.helm(["uninstall", "pi", "-n", "apps", "--wait", "--timeout", "60s"]),
    "helm uninstall",
  );
  t.regex(removed, /release "pi" uninstalled/);
  const left = ok(
    t,
    await c.kubectl(["get", "deploy,svc,secrets", "-n", "apps", "-o", "name"]),
    "get after",
  );
  t.is(left.trim(), "");
});
