import http from "node:http";
import https from "node:https";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import test from "ava";
import { keptAliveClient, SharedAgents } from "./shared-agent.js";

test("requests with the same TLS identity share one kept-alive pool; a new identity gets a new one", (t) => {
  const agents = new SharedAgents();
  const ca = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  // client-node builds a fresh agent like these for every request.
  const first = agents.for(new https.Agent({ ca, rejectUnauthorized: true }));
  const second = agents.for(new https.Agent({ ca: Buffer.from(ca), rejectUnauthorized: true }));
  t.is(first, second, "same identity, same pool");
  t.true(first instanceof https.Agent);
  t.true((first as { keepAlive?: boolean }).keepAlive, "connections are kept alive");
  t.is((first as { options: { ca?: Buffer } }).options.ca, ca, "the TLS options are kept");
  const rotated = agents.for(
    new https.Agent({ ca: Buffer.from("other"), rejectUnauthorized: true }),
  );
  t.not(rotated, first, "a changed CA gets its own pool");
  const plain = agents.for(new http.Agent());
  t.true(plain instanceof http.Agent && !(plain instanceof https.Agent));
  agents.close();
});

test("agents it does not know (a proxy's) are used as given", (t) => {
  class ProxyAgent extends http.Agent {}
  const proxy = new ProxyAgent();
  t.is(new SharedAgents().for(proxy), proxy);
});

test("a kept-alive API client makes its calls over one connection; the stock one opens one per call", async (t) => {
  let connections = 0;
  const server = http.createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ kind: "NamespaceList", apiVersion: "v1", metadata: {}, items: [] }));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  const calls = async (core: CoreV1Api) => {
    const before = connections;
    for (let i = 0; i < 3; i++) await core.listNamespace();
    return connections - before;
  };
  t.is(await calls(kc.makeApiClient(CoreV1Api)), 3, "client-node's own: a connection per call");
  t.is(await calls(keptAliveClient(kc, CoreV1Api)), 1, "kept alive: one connection");
});
