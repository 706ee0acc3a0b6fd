import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Backoff, FakeTimers } from "@smart-orchestrator/shared";
import test from "ava";
import { eventually, startHub, testTimings } from "../support/hub-harness.js";
import { StaticReports, sampleReport, startLink } from "../support/link-harness.js";

test("join over TLS: token → credential, Hello/Welcome, report arrives, status Enabled then Disconnected", async (t) => {
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("edge-1");
  const agent = startLink({
    hub: `localhost:${hub.plane.grpcPort}`,
    token,
    caHash: hub.plane.caHash,
  });
  t.teardown(() => agent.stop());

  await eventually(() => agent.link.state === "connected", "agent connected");
  t.is(agent.link.clusterId, uid);
  const saved = await eventually(
    () => JSON.parse(readFileSync(join(agent.stateDir, "credential.json"), "utf8")),
    "credential file written",
  );
  t.is(saved.clusterId, uid);
  t.true(saved.credential.startsWith(`${uid}.`));

  const cluster = await eventually(async () => {
    const c = (await hub.api("GET", `/clusters/${uid}`)).body;
    return c.status === "Enabled" && c.lastReportAt ? c : undefined;
  }, "cluster Enabled with a report");
  t.like(cluster, {
    kubernetesVersion: "v1.31.4+k3s1",
    distribution: "k3s",
    agentVersion: "0.1.0",
  });
  t.deepEqual(cluster.architectures, ["arm64"]);
  const nodes = (await hub.api("GET", `/clusters/node/${uid}`)).body;
  t.is(nodes.length, 1);
  t.like(nodes[0], { name: "pi-1", ready: true, arch: "arm64" });
  t.deepEqual(nodes[0].allocatable, {
    cpuMillis: 4000,
    memoryBytes: 7 * 2 ** 30,
    pods: 110,
    ephemeralStorageBytes: 60 * 2 ** 30,
  });
  t.is(nodes[0].free.cpuMillis, 3750);

  await agent.stop();
  await eventually(
    async () => (await hub.api("GET", `/clusters/${uid}`)).body.status === "Disconnected",
    "Disconnected after the agent left",
  );
});

test("a report change is pushed at once, not only on the interval", async (t) => {
  // An hour between interval reports: only the push on change can deliver "b" in time.
  const hub = await startHub({
    env: { SO_INSECURE: "true" },
    timings: { ...testTimings, reportIntervalMs: 3_600_000 },
  });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("edge-2");
  const reports = new StaticReports(sampleReport("a"));
  const agent = startLink({ hub: hub.hubAddress, token, insecure: true, reports });
  t.teardown(() => agent.stop());
  await eventually(
    async () => (await hub.api("GET", `/clusters/node/${uid}`)).body[0]?.name === "a",
    "first report",
  );
  reports.set(sampleReport("b"));
  await eventually(
    async () => (await hub.api("GET", `/clusters/node/${uid}`)).body[0]?.name === "b",
    "changed report",
  );
  t.pass();
});

test("the agent redials when the hub is silent past the read deadline (fake clock)", async (t) => {
  // The hub pings and asks for reports once an hour, so after Welcome it says nothing.
  const quiet = { reportIntervalMs: 3_600_000, pingIntervalMs: 3_600_000, readDeadlineMs: 10_000 };
  const hub = await startHub({ env: { SO_INSECURE: "true" }, timings: quiet });
  t.teardown(() => hub.close());
  const { token } = await hub.createCluster("edge-quiet");
  const timers = new FakeTimers();
  const agent = startLink({
    hub: hub.hubAddress,
    token,
    insecure: true,
    timers,
    backoff: new Backoff({ initialMs: 1_000, random: () => 0.5 }),
  });
  t.teardown(() => agent.stop());
  await eventually(() => agent.link.state === "connected", "connected");
  timers.advance(9_999);
  t.is(agent.link.state, "connected", "the Welcome's 10 s deadline has not passed");
  timers.advance(1);
  t.is(agent.link.state, "disconnected", "gave up on the silent stream at 10 s");
  t.is(agent.link.attempts, 1);
  await eventually(() => timers.pending === 1, "the backoff wait is scheduled");
  timers.advance(500);
  await eventually(
    () => agent.link.attempts === 2 && agent.link.state === "connected",
    "redialled after the backoff wait",
  );
});

test("the saved credential is used after a restart of the agent; the token is then spent", async (t) => {
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("edge-3");
  const first = startLink({
    hub: `localhost:${hub.plane.grpcPort}`,
    token,
    caHash: hub.plane.caHash,
  });
  await eventually(() => first.link.state === "connected", "first connect");
  await first.stop();

  // Same state dir, no token: the saved credential alone must do.
  const { FileCredentialStore } = await import("@smart-orchestrator/edge-agent");
  const again = startLink({
    hub: `localhost:${hub.plane.grpcPort}`,
    caHash: hub.plane.caHash,
    credentials: new FileCredentialStore(first.stateDir),
  });
  t.teardown(() => again.stop());
  await eventually(() => again.link.state === "connected", "reconnect with credential");
  t.is(again.link.clusterId, uid);

  // The credential has been used, so the join token no longer works.
  await eventually(
    async () => (await hub.api("GET", `/clusters/${uid}`)).body.joinTokenExpiresAt === undefined,
    "first credential use recorded",
  );
  const late = startLink({
    hub: `localhost:${hub.plane.grpcPort}`,
    token,
    caHash: hub.plane.caHash,
  });
  t.teardown(() => late.stop());
  await eventually(() => late.link.attempts >= 2, "token attempts refused");
  t.not(late.link.state, "connected");
});
