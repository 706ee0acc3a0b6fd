import { EventEmitter } from "node:events";
import { status } from "@grpc/grpc-js";
import {
  createLogger,
  FakeTimers,
  type HubMessage,
  ReleaseStatus,
} from "@smart-orchestrator/shared";
import test from "ava";
import { AgentSession, type AgentSessionOptions } from "./agent-session.js";

/** The parts of a gRPC server stream a session uses, recording what it does. */
class FakeCall extends EventEmitter {
  readonly written: HubMessage[] = [];
  readonly errors: { code: number; details: string }[] = [];
  destroyed = false;
  cancelled = false;
  constructor() {
    super();
    this.on("error", (e: { code: number; details: string }) => this.errors.push(e));
  }
  write(m: HubMessage) {
    this.written.push(m);
    return true;
  }
  destroy() {
    this.destroyed = true;
  }
}

function session(timers: FakeTimers, statuses: ReleaseStatus[] = []) {
  const call = new FakeCall();
  const ended: string[] = [];
  const s = new AgentSession({
    clusterId: "c1",
    call: call as unknown as AgentSessionOptions["call"],
    timings: { reportIntervalMs: 10_000, pingIntervalMs: 10_000, readDeadlineMs: 30_000 },
    sink: {
      report() {},
      commandResult() {},
      commandProgress() {},
      releaseStatus: (_id, status) => statuses.push(status),
    },
    log: createLogger({ name: "test", level: "silent" }),
    onEnd: (_s, reason) => ended.push(reason),
    timers,
  });
  s.start();
  return { s, call, ended };
}

test("pings on the interval, stamped with the injected clock", (t) => {
  const timers = new FakeTimers(5_000_000);
  const { call } = session(timers);
  timers.advance(9_999);
  t.is(call.written.length, 0);
  timers.advance(1);
  t.deepEqual(call.written, [
    { body: { $case: "ping", value: { nonce: 1, sentAtMs: 5_010_000 } } },
  ]);
  timers.advance(10_000);
  t.is(call.written.length, 2);
});

test("a message from the agent restarts the read deadline", (t) => {
  const timers = new FakeTimers(0);
  const { s, call, ended } = session(timers);
  timers.advance(29_000);
  s.receive({ body: { $case: "pong", value: { nonce: 1 } } });
  timers.advance(29_000);
  t.deepEqual(ended, [], "58 s since start, 29 s since the pong");
  timers.advance(1_000);
  t.deepEqual(ended, ["no message from the agent for 30000 ms"]);
  t.like(call.errors[0], { code: status.DEADLINE_EXCEEDED });
});

test("regression: the read deadline ends the stream with a status and does not destroy it first", (t) => {
  // Destroying right after the error dropped the status: the agent's stream stayed open forever.
  const timers = new FakeTimers(0);
  const { s, call } = session(timers);
  timers.advance(30_000);
  t.true(s.ended);
  t.is(call.errors.length, 1);
  t.false(call.destroyed);
  timers.advance(60_000);
  t.is(call.errors.length, 1, "ended once");
  t.is(timers.pending, 0, "no timer left behind");
});

test("a ReleaseStatus is checked and handed on; a bad one ends the stream naming the field", (t) => {
  const timers = new FakeTimers(0);
  const statuses: ReleaseStatus[] = [];
  const { s, call, ended } = session(timers, statuses);
  const good = ReleaseStatus.fromPartial({
    observedAtMs: 5,
    releases: [{ release: "shop", enablerId: "e1", namespace: "shop", revision: 3, repairs: 2 }],
  });
  s.receive({ body: { $case: "releaseStatus", value: good } });
  t.deepEqual(statuses, [good]);
  s.receive({
    body: {
      $case: "releaseStatus",
      value: ReleaseStatus.fromPartial({
        releases: [{ release: "Shop!", enablerId: "e1", namespace: "shop", revision: 3 }],
      }),
    },
  });
  t.is(statuses.length, 1);
  t.like(call.errors[0], { code: status.INVALID_ARGUMENT });
  t.regex(ended[0] ?? "", /release_status\.releases\[0\]\.release/);
});
