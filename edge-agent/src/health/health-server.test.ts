import test from "ava";
import pino from "pino";
import { type AgentHealth, startHealthServer } from "./health-server.js";

const log = pino({ level: "silent" });

test("liveness fails only when the link stopped; readiness needs a sent report; other paths 404", async (t) => {
  let health: AgentHealth = {
    link: "disconnected",
    lastError: "connect ECONNREFUSED",
    clusterId: undefined,
    reported: false,
  };
  const server = await startHealthServer({ listen: "127.0.0.1:0", health: () => health, log });
  t.teardown(() => server.close());
  const get = async (path: string, method = "GET") => {
    const res = await fetch(`http://${server.address}${path}`, { method });
    return { status: res.status, text: await res.text() };
  };

  const retrying = await get("/healthz");
  t.is(retrying.status, 200);
  t.like(JSON.parse(retrying.text), { link: "disconnected", lastError: "connect ECONNREFUSED" });
  t.is((await get("/readyz")).status, 503);

  health = { link: "connected", lastError: "old", clusterId: "c-1", reported: true };
  const ready = await get("/readyz");
  t.is(ready.status, 200);
  t.deepEqual(JSON.parse(ready.text), {
    status: "ok",
    link: "connected",
    clusterId: "c-1",
    reported: true,
  });

  health = { ...health, link: "stopped" };
  t.is((await get("/healthz")).status, 503);
  t.is((await get("/readyz")).status, 503);
  t.is((await get("/metrics")).status, 404);
  t.is((await get("/healthz", "POST")).status, 405);
});
