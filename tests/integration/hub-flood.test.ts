import { connect as http2Connect } from "node:http2";
import test from "ava";
import { Flood, type Flood as FloodType } from "../support/flood.js";
import { eventually } from "../support/hub-harness.js";
import { StaticReports, sampleReport, startLink } from "../support/link-harness.js";
import { restClient } from "../support/rest-client.js";
import { type SpawnedPlane, spawnPlane } from "../support/spawn-plane.js";

const adminToken = "hub-flood-admin-token-0123456";

async function started(plane: SpawnedPlane) {
  const hub = await plane.logLine("agent hub listening");
  const rest = await plane.logLine("REST API listening");
  const ca = await plane.logLine("agent hub CA (agents pin it with --ca-hash)");
  const api = restClient(`http://127.0.0.1:${rest.port}`, adminToken);
  return { hubPort: Number(hub.port), caHash: String(ca.caHash), api };
}

function closeWithin(flood: FloodType["sockets"], lowerMs: number, what: string) {
  return Promise.all(
    flood.map(async (s) => {
      const at = await s.closed;
      // Timers fire late on a busy machine, never early, and openedAt is before the
      // accept; 10 ms covers the wall clock's rounding against timers' monotonic one.
      if (at - s.openedAt < lowerMs - 10)
        throw new Error(
          `${what}: closed after ${at - s.openedAt} ms, before its ${lowerMs} ms deadline`,
        );
      return at - s.openedAt;
    }),
  );
}

test("silent TCP connections, half-finished TLS handshakes and Hello-less HTTP/2 are closed at their deadlines", async (t) => {
  const plane = spawnPlane({
    SO_ADMIN_TOKEN: adminToken,
    SO_HUB_HANDSHAKE_TIMEOUT: "1s",
    SO_HUB_FIRST_FRAME_TIMEOUT: "1500ms",
    SO_HUB_HELLO_TIMEOUT: "3s",
  });
  t.teardown(() => plane.child.kill("SIGKILL"));
  const { hubPort } = await started(plane);
  const flood = new Flood();
  t.teardown(() => flood.end());

  const silent = await flood.silent(hubPort, 40);
  const halfTls = await flood.halfTls(hubPort, 30);
  // TLS finished, then nothing: the first-bytes deadline.
  const quietTls = await flood.tlsThenSilent(hubPort, 10);
  // HTTP/2 up, but no stream and no Hello: the Hello deadline.
  const h2 = Array.from({ length: 5 }, () => {
    const openedAt = Date.now();
    const session = http2Connect(`https://127.0.0.1:${hubPort}`, {
      rejectUnauthorized: false,
      servername: "localhost",
    });
    session.on("error", () => {});
    t.teardown(() => session.destroy());
    return {
      openedAt,
      closed: new Promise<number>((r) => session.once("close", () => r(Date.now()))),
    };
  });

  // Bounded: without the deadlines these would stay open and the test would time out.
  const bound = <T>(p: Promise<T>, what: string) =>
    Promise.race([
      p,
      new Promise<never>((_r, reject) =>
        setTimeout(() => reject(new Error(`${what} still open after 30 s`)), 30_000).unref(),
      ),
    ]);
  const silentMs = await bound(closeWithin(silent, 1000, "silent TCP"), "silent TCP");
  const halfMs = await bound(closeWithin(halfTls, 1000, "half TLS"), "half-finished TLS");
  const quietMs = await bound(closeWithin(quietTls, 1500, "quiet TLS"), "TLS without HTTP/2");
  const h2Ms = await bound(
    Promise.all(h2.map(async (s) => (await s.closed) - s.openedAt)),
    "HTTP/2 without Hello",
  );
  t.true(
    h2Ms.every((ms) => ms >= 2900),
    `Hello deadline 3 s: ${h2Ms}`,
  );
  t.log(
    `closed after (max): silent ${Math.max(...silentMs)} ms, half TLS ${Math.max(...halfMs)} ms, ` +
      `TLS then silent ${Math.max(...quietMs)} ms, HTTP/2 without Hello ${Math.max(...h2Ms)} ms`,
  );
  t.is(plane.child.exitCode, null, "the control plane is still running");
});

test("REST and a joined agent keep working while a flood is held, with the file limit lowered", async (t) => {
  const plane = spawnPlane(
    {
      SO_ADMIN_TOKEN: adminToken,
      // Long deadlines: the flood is held for the whole check.
      SO_HUB_HANDSHAKE_TIMEOUT: "2m",
      SO_HUB_FIRST_FRAME_TIMEOUT: "2m",
      SO_HUB_HELLO_TIMEOUT: "2m",
      SO_HUB_MAX_CONNECTIONS: "120",
      SO_HUB_MAX_CONNECTIONS_PER_SOURCE: "80",
    },
    ["prlimit", "--nofile=256:256"],
  );
  t.teardown(() => plane.child.kill("SIGKILL"));
  const { hubPort, caHash, api } = await started(plane);

  const { uid, join } = (await api("POST", "/clusters", { name: "steady" })).body;
  const reports = new StaticReports(sampleReport("before-flood"));
  const agent = startLink({ hub: `127.0.0.1:${hubPort}`, token: join.token, caHash, reports });
  t.teardown(() => agent.stop());
  await eventually(() => agent.link.state === "connected", "agent joined");

  const flood = new Flood();
  t.teardown(() => flood.end());
  // 400 connection attempts from two addresses: the per-address cap keeps 80 of the first
  // source's, the total cap 120 in all; the rest are closed at once. 400 is past the
  // 256-file limit, so without the caps accept() fails with EMFILE and REST goes silent.
  await flood.silent(hubPort, 200, "127.0.0.2");
  await flood.halfTls(hubPort, 200, "127.0.0.3");
  // REST answers, repeatedly, while the flood is held.
  for (let i = 0; i < 5; i++) t.is((await api("GET", "/clusters")).status, 200);
  // The joined agent's stream still works: a change it pushes reaches the hub.
  reports.set(sampleReport("during-flood"));
  await eventually(
    async () => (await api("GET", `/clusters/node/${uid}`)).body[0]?.name === "during-flood",
    "the agent's report during the flood",
  );
  const held = () => flood.sockets.filter((s) => !s.socket.closed).length;
  // Refused ones are closed by the hub at once; the held ones stay.
  await eventually(() => held() <= 120, "the hub holds at most its cap");

  await plane.logLine(
    "agent hub per-address connection cap reached; closing new connections from it (SO_HUB_MAX_CONNECTIONS_PER_SOURCE)",
  );
  await plane.logLine(
    "agent hub connection cap reached; closing new connections (SO_HUB_MAX_CONNECTIONS)",
  );
  t.is(agent.link.state, "connected");
  t.is(agent.link.attempts, 1, "the agent's stream was never cut");
  t.true(held() >= 100, `the flood is still held (${held()} open)`);
  t.is(plane.child.exitCode, null);
});
