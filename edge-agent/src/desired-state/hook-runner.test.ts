import { FailureKind } from "@smart-orchestrator/shared";
import test from "ava";
import { CommandFailure } from "../apply/command-failure.js";
import type { KubeObject } from "../apply/release-labels.js";
import {
  applyInput,
  configMap,
  deployment,
  type EngineKit,
  quietLog,
  startEngineKit,
  virtualClock,
} from "../apply/testing/engine-kit.js";
import { HookRunner } from "./hook-runner.js";
import { MemoryDesiredStore } from "./memory-desired-store.js";
import { ReleaseKeeper } from "./release-keeper.js";

const none = () => {};
let kit: EngineKit;
test.beforeEach(async () => {
  kit = await startEngineKit();
});
test.afterEach.always(async () => {
  await kit.close();
});

function keeper() {
  return new ReleaseKeeper({
    engine: kit.engine(),
    store: new MemoryDesiredStore(),
    hooks: new HookRunner({ client: kit.recording, log: quietLog, clock: virtualClock() }),
    log: quietLog,
  });
}

function hooked<T extends KubeObject>(o: T, hook: string, weight?: number, policy?: string): T {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      annotations: {
        ...o.metadata.annotations,
        "helm.sh/hook": hook,
        ...(weight === undefined ? {} : { "helm.sh/hook-weight": String(weight) }),
        ...(policy ? { "helm.sh/hook-delete-policy": policy } : {}),
      },
    },
  };
}

function job(name: string, fails = false): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: fails ? { annotations: { "simulator.smart-orchestrator.io/fails": "true" } } : {},
        spec: { restartPolicy: "Never", containers: [{ name: "run", image: "busybox" }] },
      },
    },
  };
}

const jobRef = (name: string) => ({ apiVersion: "batch/v1", kind: "Job", namespace: "shop", name });
const cmRef = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name });

test.serial(
  "pre-install hooks run by weight before the main objects, post-install after them; tests are skipped and counted",
  async (t) => {
    const k = keeper();
    const objects = [
      deployment("web"),
      hooked(job("notify"), "post-install"),
      hooked(job("migrate"), "pre-install,pre-upgrade", 5),
      hooked(configMap("pre-cfg"), "pre-install", -1),
      hooked(job("seed"), "pre-install"),
      hooked(job("upgrade-only"), "pre-upgrade"),
      hooked(job("test-conn"), "test"),
    ];
    await k.apply(applyInput(objects), none);
    t.deepEqual(kit.applied, [
      "ConfigMap/pre-cfg",
      "Job/seed",
      "Job/migrate",
      "Deployment/web",
      "Job/notify",
    ]);
    t.is(k.held()[0]?.skippedTestHooks, 1);
    t.deepEqual(
      k.held()[0]?.objects.map((o) => o.metadata.name),
      ["web"],
      "hooks are not release objects: never repaired, never pruned",
    );
    t.is(await kit.client.get(jobRef("test-conn")), undefined);

    kit.applied.length = 0;
    await k.apply(applyInput(objects, { revision: 2 }), none);
    // Weight 0 before weight 5.
    t.deepEqual(kit.applied, ["Job/upgrade-only", "Job/migrate", "Deployment/web"]);
  },
);

test.serial(
  "delete policies: before-hook-creation by default, hook-succeeded, hook-failed",
  async (t) => {
    const k = keeper();
    const objects = [
      deployment("web"),
      hooked(job("kept"), "pre-install,pre-upgrade"),
      hooked(job("tidy"), "pre-install", 0, "hook-succeeded"),
    ];
    await k.apply(applyInput(objects), none);
    t.truthy(await kit.client.get(jobRef("kept")), "no policy: the Job stays until the next run");
    t.is(await kit.client.get(jobRef("tidy")), undefined, "hook-succeeded: gone after success");
    const firstUid = (await kit.client.get(jobRef("kept")))?.metadata.uid;

    kit.deleted.length = 0;
    await k.apply(applyInput(objects, { revision: 2 }), none);
    t.true(kit.deleted.includes("Job/kept"), "before-hook-creation: the old one is deleted first");
    t.not((await kit.client.get(jobRef("kept")))?.metadata.uid, firstUid);

    const failing = [
      deployment("web"),
      hooked(job("broken", true), "pre-upgrade", 0, "hook-failed"),
    ];
    await t.throwsAsync(k.apply(applyInput(failing, { revision: 3 }), none));
    t.is(await kit.client.get(jobRef("broken")), undefined, "hook-failed: gone after failing");
  },
);

test.serial(
  "a failing pre-install Job fails the command with the Job's reason, and nothing else is applied",
  async (t) => {
    const k = keeper();
    const objects = [deployment("web"), hooked(job("migrate", true), "pre-install")];
    const err = await k.apply(applyInput(objects), none).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.true(err instanceof CommandFailure);
    const failure = err as CommandFailure;
    t.is(failure.kind, FailureKind.FAILURE_KIND_HOOK_FAILED);
    t.regex(
      failure.message,
      /pre-install hook Job shop\/migrate failed: Job failed: BackoffLimitExceeded/,
    );
    t.deepEqual(kit.applied, ["Job/migrate"]);
    t.is(
      await kit.client.get({ ...jobRef("web"), apiVersion: "apps/v1", kind: "Deployment" }),
      undefined,
    );
    t.deepEqual(k.held(), [], "not applied: no desired state to repair to");
    t.truthy(await kit.client.get(jobRef("migrate")), "kept for inspection (default policy)");
  },
);

test.serial(
  "pre-delete and post-delete hooks run around a Delete: the held revision's, or those the Delete carries",
  async (t) => {
    const k = keeper();
    const input = applyInput([
      deployment("web"),
      hooked(job("backup"), "pre-delete"),
      hooked(configMap("goodbye"), "post-delete"),
    ]);
    await k.apply(input, none);
    t.deepEqual(kit.applied, ["Deployment/web"], "delete hooks do not run at install");
    kit.applied.length = 0;
    await k.delete({ ...input, timeoutMs: 10_000 }, none);
    t.deepEqual(kit.applied, ["Job/backup", "ConfigMap/goodbye"]);
    t.true(kit.deleted.indexOf("Deployment/web") >= 0);
    t.truthy(await kit.client.get(cmRef("goodbye")));

    // After a restart (nothing held), the hooks the Delete carries are the ones run.
    const fresh = keeper();
    await fresh.apply(applyInput([deployment("web")], { revision: 2 }), none);
    kit.applied.length = 0;
    await fresh.delete(
      { ...input, timeoutMs: 10_000, hooks: [hooked(configMap("carried"), "pre-delete")] },
      none,
    );
    t.deepEqual(kit.applied, ["ConfigMap/carried"]);
  },
);

function pod(name: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, annotations },
    spec: { restartPolicy: "Never", containers: [{ name: "run", image: "busybox" }] },
  };
}

test.serial(
  "a hook Pod is watched, not polled: Succeeded lets the release go on, Failed fails it, Running is not done",
  async (t) => {
    let podReads = 0;
    let completing: Promise<Response> | undefined;
    const counting = new Proxy(kit.recording, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key === "get")
          return (ref: { kind: string }) => {
            if (ref.kind === "Pod") podReads++;
            return target.get(ref as never);
          };
        if (key === "apply")
          return async (o: KubeObject, force: boolean) => {
            const out = await target.apply(o, force);
            // The container "exits 0" once the hook Pod exists, as a kubelet would report it.
            if (o.kind === "Pod" && o.metadata.name === "done")
              completing = fetch(`${kit.sim.url}/api/v1/namespaces/shop/pods/done/status`, {
                method: "PATCH",
                headers: { "content-type": "application/merge-patch+json" },
                body: JSON.stringify({ status: { phase: "Succeeded" } }),
              });
            return out;
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const k = new ReleaseKeeper({
      engine: kit.engine(),
      store: new MemoryDesiredStore(),
      hooks: new HookRunner({ client: counting, log: quietLog, clock: virtualClock() }),
      log: quietLog,
    });
    await k.apply(applyInput([deployment("web"), hooked(pod("done"), "pre-install")]), none);
    t.is((await completing)?.status, 200);
    t.deepEqual(kit.applied, ["Pod/done", "Deployment/web"]);

    kit.applied.length = 0;
    const failing = pod("check", { "simulator.smart-orchestrator.io/fails": "true" });
    const failed = await k
      .apply(applyInput([deployment("web"), hooked(failing, "pre-upgrade")], { revision: 2 }), none)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    t.true(failed instanceof CommandFailure, String(failed));
    t.regex((failed as Error).message, /pre-upgrade hook Pod shop\/check failed: Pod failed/);
    t.deepEqual(kit.applied, ["Pod/check"], "nothing else applied");

    // The simulator's kubelet keeps a plain Pod Running: a hook Pod must reach Succeeded.
    kit.applied.length = 0;
    const running = await k
      .apply(
        applyInput([deployment("web"), hooked(pod("wait"), "pre-upgrade")], { revision: 3 }),
        none,
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    t.regex(
      String((running as Error)?.message),
      /Pod shop\/wait failed: not complete within the timeout/,
    );
    t.deepEqual(kit.applied, ["Pod/wait"]);
    t.is(podReads, 0, "no GET per pause: one list, then the watch");
  },
);
