import { gzipSync } from "node:zlib";
import {
  Command,
  type CommandProgress,
  FailureKind,
  ObjectAction,
  ObjectStatus,
} from "@smart-orchestrator/shared";
import test from "ava";
import type { EngineOutcome, EngineProgress } from "./apply-engine.js";
import type { ApplyInput, DeleteInput } from "./command-input.js";
import { type CommandEngine, CommandRunner } from "./command-runner.js";
import { configMap, enablerId, quietLog, startEngineKit } from "./testing/engine-kit.js";

const objects = gzipSync(JSON.stringify([configMap("a")]));
const applyCommand = (id: string, revision = 1, release = "shop") =>
  Command.fromPartial({
    id,
    action: {
      $case: "apply",
      value: { release, enablerId: `${release}-id`, namespace: "shop", revision, objects },
    },
  });

/** An engine whose runs finish when the test says so, recording every call. */
class HeldEngine implements CommandEngine {
  readonly calls: string[] = [];
  readonly signals: AbortSignal[] = [];
  readonly #release: (() => void)[] = [];
  readonly #progress: EngineProgress[] = [];
  async apply(
    input: ApplyInput,
    progress: EngineProgress,
    signal?: AbortSignal,
  ): Promise<EngineOutcome> {
    this.calls.push(`apply ${input.release} ${input.revision}`);
    if (signal) this.signals.push(signal);
    this.#progress.push(progress);
    await new Promise<void>((resolve) => this.#release.push(resolve));
    const done = ObjectStatus.fromPartial({
      kind: "ConfigMap",
      name: "a",
      action: ObjectAction.OBJECT_ACTION_CREATED,
      ready: true,
    });
    return { objects: [done], appliedRevision: input.revision };
  }
  async delete(input: DeleteInput): Promise<EngineOutcome> {
    this.calls.push(`delete ${input.release}`);
    return { objects: [], appliedRevision: 0 };
  }
  report(message: string): void {
    for (const p of this.#progress) p(message, []);
  }
  finishAll(): void {
    for (const r of this.#release.splice(0)) r();
  }
}

const sink = () => {
  const got: CommandProgress[] = [];
  return { got, send: (p: CommandProgress) => got.push(p) };
};

test("a repeated command id never runs twice, even while the first run is in progress", async (t) => {
  const engine = new HeldEngine();
  const runner = new CommandRunner({ engine, deployEnabled: true, log: quietLog });
  const oldStream = sink();
  const newStream = sink();
  const first = runner.handle(applyCommand("c1"), oldStream.send);
  // The stream drops and the hub re-sends the same command on the new one while it still runs.
  const repeat = runner.handle(applyCommand("c1"), newStream.send);
  await new Promise((resolve) => setImmediate(resolve));
  engine.report("waiting for 1 of 1 objects");
  t.is(newStream.got[0]?.message, "waiting for 1 of 1 objects", "progress reaches the new stream");
  t.is(newStream.got[0]?.commandId, "c1");
  engine.finishAll();
  const [a, b] = await Promise.all([first, repeat]);
  t.deepEqual(engine.calls, ["apply shop 1"]);
  t.true(a.ok);
  t.deepEqual(b, a);
  // And once more after it finished: answered from the record.
  const later = await runner.handle(applyCommand("c1"), sink().send);
  t.deepEqual(later, a);
  t.deepEqual(engine.calls, ["apply shop 1"]);
  t.is(runner.inFlight, 0);
});

test("commands for one release run one at a time, in arrival order", async (t) => {
  const engine = new HeldEngine();
  const runner = new CommandRunner({ engine, deployEnabled: true, log: quietLog });
  const one = runner.handle(applyCommand("c1", 1), sink().send);
  await new Promise((resolve) => setImmediate(resolve));
  const two = runner.handle(applyCommand("c2", 2), sink().send);
  const other = runner.handle(applyCommand("c3", 1, "blog"), sink().send);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(engine.calls, ["apply shop 1", "apply blog 1"], "the second shop command waits");
  engine.finishAll();
  await one;
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(engine.calls, ["apply shop 1", "apply blog 1", "apply shop 2"]);
  engine.finishAll();
  t.true((await two).ok);
  t.true((await other).ok);
});

test("records stay bounded: old ids are forgotten first", async (t) => {
  const engine = new HeldEngine();
  const runner = new CommandRunner({ engine, deployEnabled: true, log: quietLog, maxRecords: 2 });
  for (const id of ["c1", "c2", "c3"]) {
    const r = runner.handle(applyCommand(id), sink().send);
    await new Promise((resolve) => setImmediate(resolve));
    engine.finishAll();
    await r;
  }
  t.is(engine.calls.length, 3);
  const again = runner.handle(applyCommand("c3"), sink().send);
  t.true((await again).ok);
  t.is(engine.calls.length, 3, "c3 is still recorded");
  const forgotten = runner.handle(applyCommand("c1"), sink().send);
  await new Promise((resolve) => setImmediate(resolve));
  engine.finishAll();
  await forgotten;
  t.is(engine.calls.length, 4, "c1 was forgotten and ran again");
});

test("--no-deploy refuses every command with the reason, touching nothing", async (t) => {
  const engine = new HeldEngine();
  const runner = new CommandRunner({ engine, deployEnabled: false, log: quietLog });
  const r = await runner.handle(applyCommand("c1"), sink().send);
  t.false(r.ok);
  t.is(r.failure, FailureKind.FAILURE_KIND_DEPLOY_DISABLED);
  t.regex(r.message, /--no-deploy/);
  t.deepEqual(engine.calls, []);
});

test("a command without an action, or with a bad one, is refused with its kind", async (t) => {
  const runner = new CommandRunner({
    engine: new HeldEngine(),
    deployEnabled: true,
    log: quietLog,
  });
  const bare = await runner.handle(Command.fromPartial({ id: "c1" }), sink().send);
  t.is(bare.failure, FailureKind.FAILURE_KIND_UNSUPPORTED);
  const bad = await runner.handle(
    Command.fromPartial({
      id: "c2",
      action: {
        $case: "apply",
        value: {
          release: "shop",
          enablerId: "e",
          namespace: "shop",
          revision: 1,
          objects: Buffer.from("x"),
        },
      },
    }),
    sink().send,
  );
  t.is(bad.failure, FailureKind.FAILURE_KIND_INVALID);
  t.is(bad.message, "apply.objects: not gzip data");
});

test("through the real engine: apply, a stale revision, and delete come back as CommandResults", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  const runner = new CommandRunner({ engine: kit.engine(), deployEnabled: true, log: quietLog });
  const cmd = (id: string, revision: number) =>
    Command.fromPartial({
      id,
      action: {
        $case: "apply",
        value: { release: "shop", enablerId, namespace: "shop", revision, objects },
      },
    });
  const applied = await runner.handle(cmd("a2", 2), sink().send);
  t.true(applied.ok, applied.message);
  t.is(applied.revision, 2);
  t.is(applied.appliedRevision, 2);
  t.deepEqual(
    applied.objects.map((o) => [o.kind, o.namespace, o.name, o.action, o.ready]),
    [["ConfigMap", "shop", "a", ObjectAction.OBJECT_ACTION_CREATED, true]],
  );
  const stale = await runner.handle(cmd("a1", 1), sink().send);
  t.false(stale.ok);
  t.is(stale.failure, FailureKind.FAILURE_KIND_STALE_REVISION);
  t.is(stale.appliedRevision, 2);
  const deleted = await runner.handle(
    Command.fromPartial({
      id: "d",
      action: { $case: "delete", value: { release: "shop", enablerId, namespace: "shop" } },
    }),
    sink().send,
  );
  t.true(deleted.ok, deleted.message);
  t.deepEqual(
    deleted.objects.map((o) => [o.name, o.action]),
    [["a", ObjectAction.OBJECT_ACTION_DELETED]],
  );
  t.is(kit.sim.get("ConfigMap", "shop", "a"), undefined);
});

test("a newer command for a release cuts the running one short and skips the ones still queued", async (t) => {
  const engine = new HeldEngine();
  const runner = new CommandRunner({ engine, deployEnabled: true, log: quietLog });
  const one = runner.handle(applyCommand("c1", 1), sink().send);
  await new Promise((resolve) => setImmediate(resolve));
  const two = runner.handle(applyCommand("c2", 2), sink().send);
  t.true(engine.signals[0]?.aborted, "the running command is told to stop waiting");
  const three = runner.handle(applyCommand("c3", 3), sink().send);
  engine.finishAll();
  await one;
  const skipped = await two;
  t.false(skipped.ok);
  t.is(skipped.failure, FailureKind.FAILURE_KIND_SUPERSEDED);
  await new Promise((resolve) => setImmediate(resolve));
  engine.finishAll();
  t.true((await three).ok);
  t.deepEqual(engine.calls, ["apply shop 1", "apply shop 3"], "revision 2 never ran");
  // A repeat of the running command's own id is not a newer command.
  const four = runner.handle(applyCommand("c4", 4), sink().send);
  await new Promise((resolve) => setImmediate(resolve));
  const repeat = runner.handle(applyCommand("c4", 4), sink().send);
  t.false(engine.signals.at(-1)?.aborted);
  engine.finishAll();
  t.deepEqual(await repeat, await four);
});
