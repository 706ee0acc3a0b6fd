import { EventEmitter } from "node:events";
import { Metadata, status } from "@grpc/grpc-js";
import { createLogger, FakeTimers, type HubMessage } from "@smart-orchestrator/shared";
import test from "ava";
import type { AgentIdentity } from "./agent-auth.js";
import { type AgentHubDeps, createConnectHandler } from "./agent-hub.js";
import { LiveInventory } from "./live-inventory.js";
import { SessionRegistry } from "./session-registry.js";

const hello = {
  agentVersion: "0.1.0",
  kubernetesVersion: "v1.31.4",
  distribution: "kubeadm",
  cni: "calico",
  architectures: ["amd64"],
};

/** The parts of a gRPC server stream the handler and its session use, recording what they do. */
class FakeCall extends EventEmitter {
  readonly metadata = new Metadata();
  readonly written: HubMessage[] = [];
  readonly errors: { code: number; details: string }[] = [];
  constructor() {
    super();
    this.metadata.set("authorization", "Bearer cred");
    this.on("error", (e: { code: number; details: string }) => this.errors.push(e));
  }
  getPeer() {
    return "127.0.0.1:5000";
  }
  write(m: HubMessage) {
    this.written.push(m);
    return true;
  }
  destroy() {}
}

/** A handler on FakeTimers whose authentication the test settles. */
function handler(auth: () => Promise<AgentIdentity>) {
  const timers = new FakeTimers();
  const hellos: string[] = [];
  const deps = {
    auth: { authenticate: auth },
    registry: new SessionRegistry(),
    presence: { connected: async () => {}, disconnected: async () => {} },
    inventory: new LiveInventory(),
    timings: { reportIntervalMs: 3_600_000, pingIntervalMs: 3_600_000, readDeadlineMs: 10_000 },
    log: createLogger({ name: "test", level: "silent" }),
    now: () => new Date(timers.now()),
    timers,
    onHello: (peer: string) => hellos.push(peer),
  } as unknown as AgentHubDeps;
  const connect = createConnectHandler(deps);
  const call = new FakeCall();
  connect(call as unknown as Parameters<typeof connect>[0]);
  return { timers, call, hellos };
}

/** Lets settled promises' callbacks (authentication) run: an event, not a wait. */
const settled = () => new Promise<void>((r) => setImmediate(r));

test("an authenticated stream without Hello ends DEADLINE_EXCEEDED at the read deadline, not before", async (t) => {
  const { timers, call } = handler(async () => ({ clusterId: "c1" }) as AgentIdentity);
  await settled();
  timers.advance(9_999);
  t.deepEqual(call.errors, []);
  timers.advance(1);
  t.is(call.errors.length, 1);
  t.is(call.errors[0]?.code, status.DEADLINE_EXCEEDED);
  t.regex(call.errors[0]?.details ?? "", /no Hello/);
  t.is(timers.pending, 0);
});

test("a Hello before the deadline starts the session and lifts the deadline", async (t) => {
  const { timers, call, hellos } = handler(async () => ({ clusterId: "c1" }) as AgentIdentity);
  await settled();
  timers.advance(9_000);
  call.emit("data", { body: { $case: "hello", value: hello } });
  t.is(call.written[0]?.body?.$case, "welcome");
  t.deepEqual(hellos, ["127.0.0.1:5000"]);
  // Past the Hello deadline, short of the session's own read deadline (9 s + 10 s).
  timers.advance(9_999);
  t.deepEqual(call.errors, []);
});

test("a Hello that came while authentication was in flight counts", async (t) => {
  let pass: (id: AgentIdentity) => void = () => {};
  const { timers, call } = handler(() => new Promise((r) => (pass = r)));
  call.emit("data", { body: { $case: "hello", value: hello } });
  timers.advance(5_000);
  pass({ clusterId: "c1" } as AgentIdentity);
  await settled();
  t.is(call.written[0]?.body?.$case, "welcome");
  timers.advance(5_000);
  t.deepEqual(call.errors, []);
});

test("a refused or gone stream leaves no deadline timer behind", async (t) => {
  const refused = handler(async () => {
    throw Object.assign(new Error("bad"), { code: status.UNAUTHENTICATED, details: "bad" });
  });
  await settled();
  t.is(refused.call.errors[0]?.code, status.UNAUTHENTICATED);
  t.is(refused.timers.pending, 0);

  let pass: (id: AgentIdentity) => void = () => {};
  const gone = handler(() => new Promise((r) => (pass = r)));
  gone.call.emit("cancelled");
  pass({ clusterId: "c1" } as AgentIdentity);
  await settled();
  t.is(gone.timers.pending, 0);
  t.deepEqual(gone.call.written, []);
});
