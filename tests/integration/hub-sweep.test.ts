import { FakeTimers } from "@smart-orchestrator/shared";
import test from "ava";
import { eventually, startHub } from "../support/hub-harness.js";
import { hello, rawStream } from "../support/raw-stream.js";

const timings = { reportIntervalMs: 200, pingIntervalMs: 3_600_000, readDeadlineMs: 10_000 };
/** The hub's restart sweep runs this long after start (read deadline plus a minute's grace). */
const sweepAtMs = timings.readDeadlineMs + 60_000;

test("after a restart, clusters whose agent did not come back are Disconnected at the sweep, not before; live ones stay Enabled", async (t) => {
  const first = await startHub({ env: { SO_INSECURE: "true" }, timings });
  const joined: Record<string, { uid: string; credential: string }> = {};
  for (const name of ["gone", "back"]) {
    const { uid, token } = await first.createCluster(name);
    // Held open while the hub stops: a stopping hub records no disconnects, so both stay Enabled.
    const s = rawStream(first.hubAddress, token, undefined, false);
    s.stream.write({ body: { $case: "hello", value: hello } });
    const welcome = await eventually(
      () => s.received.find((m) => m.body?.$case === "welcome"),
      `${name} welcomed`,
    );
    if (welcome?.body?.$case !== "welcome") throw new Error("no welcome");
    joined[name] = { uid, credential: welcome.body.value.credential };
    await eventually(
      async () => (await first.api("GET", `/clusters/${uid}`)).body.status === "Enabled",
      `${name} Enabled`,
    );
    t.teardown(() => s.close());
  }
  await first.close();

  const timers = new FakeTimers();
  const hub = await startHub({
    dataDir: first.dataDir,
    env: { SO_INSECURE: "true" },
    timings,
    timers,
  });
  const status = async (name: string) =>
    (await hub.api("GET", `/clusters/${joined[name]?.uid}`)).body;

  // One agent comes back late in the grace window (so its own read deadline stays ahead).
  timers.advance(sweepAtMs - 1_000);
  const back = joined.back;
  if (!back) throw new Error("back joined");
  const s = rawStream(hub.hubAddress, back.credential, back.uid, false);
  t.teardown(() => s.close());
  s.stream.write({ body: { $case: "hello", value: hello } });
  await eventually(() => hub.plane.sessions.has(back.uid), "back has a session");
  timers.advance(999);
  t.is((await status("gone")).status, "Enabled", "not swept before the grace is over");

  timers.advance(1);
  const gone = await eventually(async () => {
    const body = await status("gone");
    return body.status === "Disconnected" && body;
  }, "gone swept");
  t.regex(gone.statusReason ?? "", /no agent connected since the hub restarted/);
  t.true(hub.plane.sessions.has(back.uid));
  // The sweep queues its writes in one pass; closing the hub flushes them all, and a
  // third start (whose own sweep is a minute away) shows what was stored.
  await hub.close();
  const after = await startHub({ dataDir: first.dataDir, env: { SO_INSECURE: "true" }, timings });
  t.teardown(() => after.close());
  t.is((await after.api("GET", `/clusters/${back.uid}`)).body.status, "Enabled");
  t.is((await after.api("GET", `/clusters/${joined.gone?.uid}`)).body.status, "Disconnected");
});
