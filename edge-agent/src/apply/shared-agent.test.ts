import http from "node:http";
import https from "node:https";
import test from "ava";
import { SharedAgents } from "./shared-agent.js";

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
