import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import test from "ava";
import { ObjectClient } from "./object-client.js";
import { deployment, startEngineKit } from "./testing/engine-kit.js";

test("objects go out exactly as given: fields the client's models lack are applied too", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await kit.client.createRaw({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
  const dep = deployment("web");
  // A field newer than client-node 1.4's V1DeploymentSpec model; its serializer would drop it.
  (dep.spec as Record<string, unknown>).futureField = "kept";
  await kit.client.apply({ ...dep, metadata: { ...dep.metadata, namespace: "shop" } }, false);
  const live = kit.sim.get("Deployment", "shop", "web");
  t.is((live?.spec as Record<string, unknown> | undefined)?.futureField, "kept");
});

test("a request to an API server that never answers fails after the request timeout", async (t) => {
  const server = createServer(() => {
    // Accept the request and never answer: a hung API server.
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: "c",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const client = ObjectClient.forConfig(kc, 200);
  const err = await t.throwsAsync(
    client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "b" }),
  );
  t.regex(
    String(err?.message),
    /get ConfigMap a\/b: no answer from the Kubernetes API within the request timeout/,
  );
});
