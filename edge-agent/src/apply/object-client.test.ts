import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import test from "ava";
import { ObjectClient } from "./object-client.js";
import { deployment } from "./testing/engine-kit.js";

function kubeConfigFor(server: Server): KubeConfig {
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
  return kc;
}

test("objects go out exactly as given: fields the client's models lack are sent too", async (t) => {
  // A tiny API server that serves discovery for apps/v1 and records what a PATCH carries.
  let received: Record<string, unknown> | undefined;
  let query = "";
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url === "/apis/apps/v1") {
        res.end(
          JSON.stringify({
            kind: "APIResourceList",
            groupVersion: "apps/v1",
            resources: [
              {
                name: "deployments",
                kind: "Deployment",
                namespaced: true,
                verbs: ["get", "patch"],
              },
            ],
          }),
        );
        return;
      }
      if (req.method === "PATCH") {
        received = JSON.parse(body);
        query = req.url ?? "";
        t.is(req.headers["content-type"], "application/apply-patch+yaml");
        res.end(body);
        return;
      }
      res.statusCode = 404;
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const client = ObjectClient.forConfig(kubeConfigFor(server));
  const dep = deployment("web");
  // A field newer than client-node 1.4's V1DeploymentSpec model: its serializer would drop it.
  (dep.spec as Record<string, unknown>).futureField = "kept";
  await client.apply({ ...dep, metadata: { ...dep.metadata, namespace: "shop" } }, false);
  t.is((received?.spec as Record<string, unknown> | undefined)?.futureField, "kept");
  t.regex(
    query,
    /^\/apis\/apps\/v1\/namespaces\/shop\/deployments\/web\?fieldManager=smart-orchestrator$/,
  );
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
