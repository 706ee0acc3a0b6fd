import { createServer } from "node:net";
import test from "ava";
import { startSimulatedAgent } from "../support/agent-harness.js";
import { eventually, startHub } from "../support/hub-harness.js";

async function get(address: string, path: string) {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("/healthz stays up while the link redials; /readyz turns ready with the first report", async (t) => {
  // A port that accepts TCP and never speaks gRPC: the link keeps retrying.
  const silent = createServer((socket) => socket.destroy());
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.teardown(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const lonely = await startSimulatedAgent({
    hub: `127.0.0.1:${port}`,
    token: "abcdef.0123456789abcdef",
    healthListen: "127.0.0.1:0",
  });
  t.teardown(() => lonely.stop());
  const address = lonely.agent.healthAddress ?? "";
  await eventually(
    () => lonely.agent.link.lastError !== undefined,
    "a failed link attempt",
    30_000,
  );
  const live = await get(address, "/healthz");
  t.is(live.status, 200);
  t.not(live.body.link, "connected");
  const notReady = await get(address, "/readyz");
  t.is(notReady.status, 503);
  t.is(notReady.body.reported, false);

  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("healthy");
  const joined = await startSimulatedAgent({
    hub: `localhost:${hub.plane.grpcPort}`,
    token,
    caHash: hub.plane.caHash,
    healthListen: "127.0.0.1:0",
  });
  t.teardown(() => joined.stop());
  const ready = await eventually(
    async () => {
      const r = await get(joined.agent.healthAddress ?? "", "/readyz");
      return r.status === 200 ? r : undefined;
    },
    "agent ready",
    30_000,
  );
  t.like(ready?.body, { status: "ok", link: "connected", clusterId: uid, reported: true });
  const reports = await hub.api("GET", `/clusters/node/${uid}`);
  t.is(reports.body.length, 1, "ready only once the hub has the report");

  await joined.agent.stop();
  await t.throwsAsync(fetch(`http://${joined.agent.healthAddress}/healthz`));
});
