import { gzipSync } from "node:zlib";
import { Command, FailureKind } from "@smart-orchestrator/shared";
import test from "ava";
import { CommandRunner } from "../apply/command-runner.js";
import { deployment, quietLog, startEngineKit } from "../apply/testing/engine-kit.js";
import { MemoryDesiredStore } from "./memory-desired-store.js";
import { ReleaseKeeper } from "./release-keeper.js";
import { VolumeRemover } from "./volume-remover.js";

async function runnerKit() {
  const kit = await startEngineKit();
  const keeper = new ReleaseKeeper({
    engine: kit.engine(),
    store: new MemoryDesiredStore(),
    volumes: new VolumeRemover(kit.client),
    log: quietLog,
  });
  const runner = new CommandRunner({ engine: keeper, deployEnabled: true, log: quietLog });
  return { kit, keeper, runner };
}

const apply = (id: string, revision: number, neverReady: boolean) => {
  const web = deployment("web", 1);
  if (neverReady)
    (
      web.spec as { template: { metadata: Record<string, unknown> } }
    ).template.metadata.annotations = { "simulator.smart-orchestrator.io/never-ready": "true" };
  return Command.fromPartial({
    id,
    action: {
      $case: "apply",
      value: {
        release: "shop",
        enablerId: "e1",
        namespace: "shop",
        revision,
        objects: gzipSync(JSON.stringify([web])),
        timeoutMs: 5 * 60_000,
      },
    },
  });
};

test("a newer Apply cuts short an older one waiting for readiness, through the keeper's lock", async (t) => {
  const { kit, keeper, runner } = await runnerKit();
  t.teardown(() => kit.close());
  const first = runner.handle(apply("e1/1", 1, true), () => {});
  // Wait until the first one has applied and waits for readiness, holding the release lock.
  for (
    let i = 0;
    i < 500 &&
    !(await kit.client.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
    }));
    i++
  )
    await new Promise((r) => setTimeout(r, 10));
  const second = runner.handle(apply("e1/2", 2, false), () => {});
  const [a, b] = await Promise.all([first, second]);
  t.is(a.failure, FailureKind.FAILURE_KIND_SUPERSEDED);
  t.true(b.ok, b.message);
  t.deepEqual(
    keeper.held().map((r) => r.revision),
    [2],
  );
});

test("DeleteVolumes and Delete.hooks are checked, naming the field", async (t) => {
  const { kit, runner } = await runnerKit();
  t.teardown(() => kit.close());
  const bad = await runner.handle(
    Command.fromPartial({
      id: "v1",
      action: {
        $case: "deleteVolumes",
        value: { release: "shop", enablerId: "e1", namespace: "Shop" },
      },
    }),
    () => {},
  );
  t.is(bad.failure, FailureKind.FAILURE_KIND_INVALID);
  t.regex(bad.message, /^delete_volumes\.namespace: /);
  const hooks = await runner.handle(
    Command.fromPartial({
      id: "d1",
      action: {
        $case: "delete",
        value: { release: "shop", enablerId: "e1", namespace: "shop", hooks: Buffer.from("nope") },
      },
    }),
    () => {},
  );
  t.is(hooks.failure, FailureKind.FAILURE_KIND_INVALID);
  t.is(hooks.message, "delete.hooks: not gzip data");
});
