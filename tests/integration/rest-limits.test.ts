import test from "ava";
import { Flood } from "../support/flood.js";
import { eventually } from "../support/hub-harness.js";
import { spawnPlane } from "../support/spawn-plane.js";

test("REST closes connections that send no headers in time, and caps open connections with a warning", async (t) => {
  const plane = spawnPlane({
    SO_ADMIN_TOKEN: "rest-limits-admin-token-0123",
    SO_REST_HEADERS_TIMEOUT: "1s",
    SO_REST_REQUEST_TIMEOUT: "2s",
    SO_REST_MAX_CONNECTIONS: "30",
  });
  t.teardown(() => plane.child.kill("SIGKILL"));
  const port = Number((await plane.logLine("REST API listening")).port);
  const flood = new Flood();
  t.teardown(() => flood.end());

  // Slowloris: connections that never finish their headers are closed after about 1 s.
  const silent = await flood.silent(port, 10);
  const closedAfter = await Promise.all(silent.map(async (s) => (await s.closed) - s.openedAt));
  t.true(
    closedAfter.every((ms) => ms >= 990 && ms < 20_000),
    `closed after ${closedAfter.join(", ")} ms`,
  );

  // Past the cap, new connections are closed at once and a warning is logged.
  await flood.silent(port, 60);
  const held = () => flood.sockets.filter((s) => !s.socket.closed).length;
  await eventually(() => held() <= 30, "at most 30 held");
  await plane.logLine(
    "REST connection cap reached; closing new connections (SO_REST_MAX_CONNECTIONS)",
  );

  // Once the flood times out, REST serves again.
  // A request that meets the cap is refused, so each try has its own deadline.
  await eventually(
    async () =>
      (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) })).ok,
    "REST serves again",
    30_000,
  );
});
