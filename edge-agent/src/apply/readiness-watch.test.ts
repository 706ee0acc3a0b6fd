import test from "ava";
import type { KindQuery, VersionedList } from "./kind-watch.js";
import type { ObjectRef } from "./object-client.js";
import { type ReadinessReader, ReadinessWaiter, type WaitClock } from "./readiness-waiter.js";
import { type KubeObject, releaseSelector, withReleaseLabels } from "./release-labels.js";
import { deployment, enablerId, startEngineKit } from "./testing/engine-kit.js";

const release = { release: "shop", enablerId };

/**
 * A clock that never lets time pass: a sleep ends only when the waiter
 * cancels it. A wait can then finish only through a watch event, never
 * through a poll or a tick.
 */
const frozenClock: WaitClock = {
  now: () => 0,
  sleep: (_ms, signal) =>
    new Promise((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true })),
};

/** Time moves only when the waiter sleeps (a tick at a time), however slow the machine. */
function steppingClock(): WaitClock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await new Promise((r) => setTimeout(r, 2));
    },
  };
}

/** Fails the test with `what` instead of hanging when `p` never settles. */
function within<T>(p: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 60_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A Deployment no node can run yet (its pods need a GPU node). */
const gpuWeb = withReleaseLabels(
  { ...deployment("web", 1, { nodeSelector: { "example.com/gpu": "yes" } }) },
  release,
  1,
);
gpuWeb.metadata.namespace = "shop";
const webRef: ObjectRef = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  namespace: "shop",
  name: "web",
};

async function applyWeb(kit: Awaited<ReturnType<typeof startEngineKit>>): Promise<void> {
  await kit.client.createRaw({ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } });
  await kit.client.apply(gpuWeb, false);
}

/**
 * The kit's reader, writing down each list ("list Deployment at 12") and
 * watch ("watch Deployment from 12"), and running `whileWatching` once a
 * watch is running.
 */
function recordingReader(
  kit: Awaited<ReturnType<typeof startEngineKit>>,
  reads: string[],
  whileWatching: () => unknown,
): ReadinessReader {
  return {
    ...kit.recording,
    listAt: async (q) => {
      const list = await kit.client.listAt(q);
      reads.push(`list ${q.kind} at ${list.resourceVersion}`);
      return list;
    },
    watch: async (q, rv, onEvent, onEnd) => {
      reads.push(`watch ${q.kind} from ${rv}`);
      const stop = await kit.client.watch(q, rv, onEvent, onEnd);
      await whileWatching();
      return stop;
    },
  };
}

/** The reads a wait that ended through one watch made: one list, then a watch from its version. */
function oneListOneWatch(reads: readonly string[]): string[] {
  const version = /^list Deployment at (\d+)$/.exec(reads[0] ?? "")?.[1] ?? "?";
  return [`list Deployment at ${version}`, `watch Deployment from ${version}`];
}

const isReady = (o: object | undefined) =>
  (o as { status?: { availableReplicas?: number } } | undefined)?.status?.availableReplicas === 1;

test("a workload that becomes ready later is seen through the watch, with no poll", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await applyWeb(kit);
  const reads: string[] = [];
  // The watch runs: now let the Deployment's pod be scheduled.
  const reader = recordingReader(kit, reads, () =>
    kit.sim.addNode({ name: "gpu-1", labels: { "example.com/gpu": "yes" } }),
  );
  const out = await within(
    new ReadinessWaiter(reader, frozenClock).wait(
      [{ apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "settings" }, webRef],
      { deadline: 60_000, selector: releaseSelector(release) },
    ),
    "the watch to report the Deployment ready",
  );
  t.false(out.timedOut);
  t.true(
    out.states.every((s) => s.ready),
    JSON.stringify(out.states),
  );
  t.deepEqual(reads, oneListOneWatch(reads), "no re-reads");
  t.false(
    reads.some((r) => r.includes("ConfigMap")),
    "a kind that is ready once applied costs no read",
  );
});

test("a change between the list and the watch is not missed: the watch starts at the list's version", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await applyWeb(kit);
  let listed: VersionedList | undefined;
  const reader: ReadinessReader = {
    ...kit.recording,
    listAt: async (q: KindQuery) => {
      const list = await kit.client.listAt(q);
      if (!listed) {
        listed = list;
        // The Deployment becomes ready after the list was read and before the watch starts.
        kit.sim.addNode({ name: "gpu-1", labels: { "example.com/gpu": "yes" } });
        await until(() => isReady(kit.sim.get("Deployment", "shop", "web")), "web ready");
      }
      return list;
    },
  };
  const out = await within(
    new ReadinessWaiter(reader, frozenClock).wait([webRef], {
      deadline: 60_000,
      selector: releaseSelector(release),
    }),
    "the watch to replay the change made after the list",
  );
  t.false(isReady(listed?.items[0]), "the list saw it not ready");
  t.true(out.states[0]?.ready, JSON.stringify(out.states));
});

test("a watch that fails or reports 410 Gone is replaced by a fresh list and watch", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await applyWeb(kit);
  const calls: string[] = [];
  let watches = 0;
  const reader: ReadinessReader = {
    ...kit.recording,
    listAt: async (q) => {
      calls.push("list");
      return kit.client.listAt(q);
    },
    watch: async (q, rv, onEvent, onEnd) => {
      watches++;
      if (watches === 1) {
        calls.push("watch fails");
        onEnd(new Error("connection reset"));
        return () => {};
      }
      if (watches === 2) {
        calls.push("watch 410");
        const gone = { kind: "Status", code: 410, reason: "Expired" };
        onEvent("ERROR", gone as unknown as KubeObject);
        return () => {};
      }
      calls.push("watch");
      const stop = await kit.client.watch(q, rv, onEvent, onEnd);
      kit.sim.addNode({ name: "gpu-1", labels: { "example.com/gpu": "yes" } });
      return stop;
    },
  };
  const stepClock = steppingClock();
  const out = await within(
    new ReadinessWaiter(reader, stepClock).wait([webRef], {
      deadline: 600_000,
      selector: releaseSelector(release),
    }),
    "readiness after the watch was replaced",
  );
  t.true(out.states[0]?.ready, JSON.stringify(out.states));
  t.deepEqual(calls, ["list", "watch fails", "list", "watch 410", "list", "watch"]);
});

test("the wait ends as soon as a newer command aborts it, without waiting for a tick", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await applyWeb(kit);
  const newer = new AbortController();
  const reader: ReadinessReader = {
    ...kit.recording,
    watch: async (q, rv, onEvent, onEnd) => {
      const stop = await kit.client.watch(q, rv, onEvent, onEnd);
      newer.abort();
      return stop;
    },
  };
  const out = await within(
    new ReadinessWaiter(reader, frozenClock).wait([webRef], {
      deadline: 60_000,
      selector: releaseSelector(release),
      signal: newer.signal,
    }),
    "the abort to end the wait",
  );
  t.true(out.aborted);
  t.false(out.states[0]?.ready);
});

test("a watch whose response never starts does not hold the wait past its deadline", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await applyWeb(kit);
  const reader: ReadinessReader = {
    ...kit.recording,
    watch: () => new Promise<() => void>(() => {}),
  };
  const stepClock = steppingClock();
  const out = await within(
    new ReadinessWaiter(reader, stepClock).wait([webRef], {
      deadline: 30_000,
      selector: releaseSelector(release),
    }),
    "the deadline to end the wait",
  );
  t.true(out.timedOut);
  t.regex(out.states[0]?.message ?? "", /0 of 1 replicas/);
});

test("a delete's wait sees the object go through the watch, with no poll", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  await applyWeb(kit);
  const reads: string[] = [];
  // Still there when listed; it goes only now, while the watch runs.
  const reader = recordingReader(kit, reads, () => kit.client.remove(webRef));
  const out = await within(
    new ReadinessWaiter(reader, frozenClock).wait([webRef], {
      deadline: 60_000,
      selector: releaseSelector(release),
      gone: true,
    }),
    "the watch to report the Deployment gone",
  );
  t.false(out.timedOut);
  t.true(out.states[0]?.ready, JSON.stringify(out.states));
  t.deepEqual(reads, oneListOneWatch(reads), "no re-reads");
  t.is(kit.sim.get("Deployment", "shop", "web"), undefined);
});
