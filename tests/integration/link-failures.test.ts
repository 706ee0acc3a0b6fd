import { status } from "@grpc/grpc-js";
import {
  Backoff,
  FakeTimers,
  maxLinkMessageBytes,
  type NodeReport,
} from "@smart-orchestrator/shared";
import test from "ava";
import { deadlineTimings, eventually, startHub } from "../support/hub-harness.js";
import { StaticReports, sampleReport, startLink } from "../support/link-harness.js";
import { hello, joinedCredential, rawStream } from "../support/raw-stream.js";
import { FreezableProxy } from "../support/tcp-proxy.js";

test("a hub restart keeps the cluster and the agent comes back on its own", async (t) => {
  const hub = await startHub();
  const { uid, token } = await hub.createCluster("restart-me");
  const port = hub.plane.grpcPort;
  // Redials every 500 ms at most, so the hub's downtime (seconds, on a busy machine)
  // cannot push the next try out to the 30 s cap and past the wait below.
  const agent = startLink({
    hub: `localhost:${port}`,
    token,
    caHash: hub.plane.caHash,
    backoff: new Backoff({ initialMs: 100, maxMs: 500 }),
  });
  t.teardown(() => agent.stop());
  await eventually(() => agent.link.state === "connected", "connected");
  const caHash = hub.plane.caHash;
  await hub.close();
  await eventually(() => agent.link.state !== "connected", "agent notices the hub went away");

  const again = await startHub({ dataDir: hub.dataDir, grpcPort: port });
  t.teardown(() => again.close());
  t.is(again.plane.caHash, caHash, "the CA survives a restart, so pins keep working");
  // A wall-clock bound here measured the machine: the backoff is Backoff's own test.
  await eventually(() => agent.link.state === "connected", "reconnected");
  await eventually(
    async () => (await again.api("GET", `/clusters/${uid}`)).body.status === "Enabled",
    "Enabled",
  );
  t.is((await again.api("GET", `/clusters/node/${uid}`)).body.length, 1);
});

test("a killed stream is redialled", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const proxy = new FreezableProxy(hub.plane.grpcPort);
  await proxy.listen();
  t.teardown(() => proxy.close());
  const { token } = await hub.createCluster("cut");
  const agent = startLink({ hub: `127.0.0.1:${proxy.port}`, token, insecure: true });
  t.teardown(() => agent.stop());
  await eventually(() => agent.link.state === "connected", "connected");
  const before = agent.link.attempts;
  proxy.cutAll();
  await eventually(
    () => agent.link.attempts > before && agent.link.state === "connected",
    "redialled",
  );
  t.pass();
});

test("a half-open connection is detected by both ends within the read deadline", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" }, timings: deadlineTimings });
  t.teardown(() => hub.close());
  const proxy = new FreezableProxy(hub.plane.grpcPort);
  await proxy.listen();
  t.teardown(() => proxy.close());
  const { uid, token } = await hub.createCluster("half-open");
  const agent = startLink({
    hub: `127.0.0.1:${proxy.port}`,
    token,
    insecure: true,
    readDeadlineMs: deadlineTimings.readDeadlineMs,
  });
  t.teardown(() => agent.stop());
  await eventually(() => agent.link.state === "connected", "connected");
  const before = agent.link.attempts;

  // Bytes vanish both ways, no FIN, no RST, and redials hang the same way.
  proxy.freezeAll();
  // The bound tells the read deadline (1.5 s here) from HTTP/2 keepalive, the only other
  // way either end would notice (20 s + 10 s): 15 s leaves room for a loaded machine,
  // where 6 s did not, and still fails if only keepalive worked.
  const frozenAt = Date.now();
  await eventually(
    async () => (await hub.api("GET", `/clusters/${uid}`)).body.status === "Disconnected",
    "hub marks the cluster Disconnected",
    15_000,
  );
  await eventually(
    () => agent.link.attempts > before,
    "agent gives up on the stream and redials",
    15_000,
  );
  t.true(Date.now() - frozenAt < 15_000, "within a few read deadlines, well before keepalive");

  proxy.thaw();
  await eventually(
    async () => (await hub.api("GET", `/clusters/${uid}`)).body.status === "Enabled",
    "Enabled again",
  );
});

test("an agent that stops answering gets DEADLINE_EXCEEDED at its end of the stream", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" }, timings: deadlineTimings });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("mute");
  const cred = (await joinedCredential(hub.hubAddress, token)).credential;
  const mute = rawStream(hub.hubAddress, cred, uid, false);
  t.teardown(() => mute.close());
  mute.stream.write({ body: { $case: "hello", value: hello } });
  let end: { code: number; details: string } | undefined;
  void mute.ended.then((e) => {
    end = e;
  });
  // The status must reach the agent (agent-session.test.ts has the regression this guards).
  await eventually(() => end, "the stream ends at the agent", 20_000);
  t.is(end?.code, status.DEADLINE_EXCEEDED);
  t.regex(end?.details ?? "", /no message from the agent for 1500 ms/);
});

test("a wrong CA hash is a clear error and no connection", async (t) => {
  const hub = await startHub();
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("pinned");
  const wrong = `sha256:${"0".repeat(64)}`;
  const agent = startLink({ hub: `localhost:${hub.plane.grpcPort}`, token, caHash: wrong });
  t.teardown(() => agent.stop());
  await eventually(() => agent.link.lastError, "an error");
  t.regex(agent.link.lastError ?? "", /matches --ca-hash sha256:0{64}.*refusing to connect/);
  t.is(agent.link.attempts, 0, "no stream was opened");
  t.is((await hub.api("GET", `/clusters/${uid}`)).body.status, "Pending");
});

test("an expired join token is refused", async (t) => {
  let now = Date.now();
  const hub = await startHub({ env: { SO_INSECURE: "true" }, now: () => new Date(now) });
  t.teardown(() => hub.close());
  const { token } = await hub.createCluster("late");
  now += 25 * 3600 * 1000;
  const s = rawStream(hub.hubAddress, token);
  s.stream.write({ body: { $case: "hello", value: hello } });
  const end = await s.ended;
  s.close();
  t.is(end.code, status.UNAUTHENTICATED);
  t.regex(end.details, /expired/);
});

test("a token is refused once the credential has been used", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("spent");
  const welcome = await joinedCredential(hub.hubAddress, token);
  // A lost Welcome must not lock the cluster out: until the credential is used, the token still works.
  const second = await joinedCredential(hub.hubAddress, token);
  t.not(second.credential, welcome.credential);
  const use = rawStream(hub.hubAddress, second.credential, uid);
  use.stream.write({ body: { $case: "hello", value: hello } });
  await eventually(() => use.received.some((m) => m.body?.$case === "welcome"), "credential works");
  // The first use is recorded with the status write (queued); the view drops the token expiry then.
  await eventually(
    async () => (await hub.api("GET", `/clusters/${uid}`)).body.joinTokenExpiresAt === undefined,
    "first credential use recorded",
  );
  use.stream.cancel();
  use.close();
  const late = rawStream(hub.hubAddress, token);
  late.stream.write({ body: { $case: "hello", value: hello } });
  const end = await late.ended;
  late.close();
  t.is(end.code, status.UNAUTHENTICATED);
  t.regex(end.details, /spent/);
  // The older credential was replaced by the second join.
  const old = rawStream(hub.hubAddress, welcome.credential, uid);
  old.stream.write({ body: { $case: "hello", value: hello } });
  t.is((await old.ended).code, status.UNAUTHENTICATED);
  old.close();
});

test("a credential cannot act as another cluster", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const a = await hub.createCluster("a");
  const b = await hub.createCluster("b");
  const cred = (await joinedCredential(hub.hubAddress, a.token)).credential;
  const s = rawStream(hub.hubAddress, cred, b.uid);
  s.stream.write({ body: { $case: "hello", value: hello } });
  const end = await s.ended;
  s.close();
  t.is(end.code, status.PERMISSION_DENIED);
  t.regex(end.details, new RegExp(`cannot act as cluster ${b.uid}`));
  // Forging the id inside the credential does not help: the hash is per cluster.
  const forged = rawStream(hub.hubAddress, cred.replace(a.uid, b.uid), b.uid);
  forged.stream.write({ body: { $case: "hello", value: hello } });
  t.is((await forged.ended).code, status.UNAUTHENTICATED);
  forged.close();
  t.is((await hub.api("GET", `/clusters/${b.uid}`)).body.status, "Pending");
});

test("malformed messages get a gRPC error status and the hub keeps serving", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("bad");
  const cred = (await joinedCredential(hub.hubAddress, token)).credential;

  const noHello = rawStream(hub.hubAddress, cred, uid);
  noHello.stream.write({ body: { $case: "pong", value: { nonce: 1 } } });
  t.like(await noHello.ended, { code: status.FAILED_PRECONDITION });
  noHello.close();

  const badHello = rawStream(hub.hubAddress, cred, uid);
  badHello.stream.write({
    body: { $case: "hello", value: { ...hello, agentVersion: "", distribution: "windows" } },
  });
  const helloEnd = await badHello.ended;
  badHello.close();
  t.is(helloEnd.code, status.INVALID_ARGUMENT);
  t.regex(helloEnd.details, /hello\.agent_version: required/);

  const badReport = rawStream(hub.hubAddress, cred, uid);
  badReport.stream.write({ body: { $case: "hello", value: hello } });
  const report: NodeReport = sampleReport("Not_A_Node");
  badReport.stream.write({ body: { $case: "nodeReport", value: report } });
  const reportEnd = await badReport.ended;
  badReport.close();
  t.is(reportEnd.code, status.INVALID_ARGUMENT);
  t.regex(reportEnd.details, /node_report\.nodes\[0\]\.name/);

  const garbage = rawStream(hub.hubAddress, "not-a-token-at-all");
  garbage.stream.write({ body: { $case: "hello", value: hello } });
  t.is((await garbage.ended).code, status.UNAUTHENTICATED);
  garbage.close();

  // Still healthy: a well-formed agent joins afterwards.
  const good = rawStream(hub.hubAddress, cred, uid);
  good.stream.write({ body: { $case: "hello", value: hello } });
  await eventually(
    () => good.received.some((m) => m.body?.$case === "welcome"),
    "a good stream works",
  );
  good.stream.cancel();
  good.close();
});

test("an oversized message is refused with RESOURCE_EXHAUSTED and the hub keeps serving", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("huge");
  const cred = (await joinedCredential(hub.hubAddress, token)).credential;
  const s = rawStream(hub.hubAddress, cred, uid);
  s.stream.write({ body: { $case: "hello", value: hello } });
  await eventually(() => s.received.length > 0, "welcome");
  const big = sampleReport();
  const node = big.nodes[0];
  if (!node) throw new Error("sample has a node");
  // Just past the link-wide limit, whatever it is set to.
  node.labels.blob = "x".repeat(maxLinkMessageBytes + 1024);
  s.stream.write({ body: { $case: "nodeReport", value: big } });
  t.is((await s.ended).code, status.RESOURCE_EXHAUSTED);
  s.close();
  const again = rawStream(hub.hubAddress, cred, uid);
  again.stream.write({ body: { $case: "hello", value: hello } });
  await eventually(() => again.received.length > 0, "hub still serves");
  again.stream.cancel();
  again.close();
});

test("a newer connection for the same cluster replaces the older one", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("dup");
  const cred = (await joinedCredential(hub.hubAddress, token)).credential;
  const older = rawStream(hub.hubAddress, cred, uid);
  older.stream.write({ body: { $case: "hello", value: hello } });
  await eventually(() => older.received.length > 0, "older welcomed");
  const newer = rawStream(hub.hubAddress, cred, uid);
  newer.stream.write({ body: { $case: "hello", value: hello } });
  const end = await older.ended;
  t.is(end.code, status.ABORTED);
  t.regex(end.details, /replaced by a newer connection/);
  await eventually(() => newer.received.length > 0, "newer welcomed");
  t.is(hub.plane.sessions.size, 1);
  t.is((await hub.api("GET", `/clusters/${uid}`)).body.status, "Enabled");
  newer.stream.cancel();
  older.close();
  newer.close();
});

test("regression: a stream that dies right after Welcome does not redial in a tight loop", async (t) => {
  const hub = await startHub({ env: { SO_INSECURE: "true" } });
  t.teardown(() => hub.close());
  const { uid, token } = await hub.createCluster("flapping");
  // The hub rejects this report (bad node name), so every stream ends just after Welcome.
  const timers = new FakeTimers();
  const agent = startLink({
    hub: hub.hubAddress,
    token,
    insecure: true,
    reports: new StaticReports(sampleReport("Bad_Name")),
    backoff: new Backoff({ initialMs: 200, maxMs: 2_000, random: () => 1 }),
    timers,
  });
  t.teardown(() => agent.stop());
  // The waits widen: a reset on every Welcome would give 200 ms each time.
  for (const [i, wait] of [200, 400, 800, 1_600].entries()) {
    await eventually(
      () =>
        agent.link.attempts === i + 1 &&
        agent.link.state === "disconnected" &&
        timers.pending === 1,
      `stream ${i + 1} ended and the link waits`,
    );
    timers.advance(wait - 1);
    t.is(agent.link.attempts, i + 1, `no redial before ${wait} ms`);
    t.is(timers.pending, 1);
    timers.advance(1);
    // Upper bound: it does redial once the wait is over.
    await eventually(() => agent.link.attempts === i + 2, `redial ${i + 1} after ${wait} ms`);
  }
  t.is((await hub.api("GET", `/clusters/node/${uid}`)).body.length, 0);
});
