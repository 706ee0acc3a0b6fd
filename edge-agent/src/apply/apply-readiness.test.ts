import { FailureKind, type ObjectStatus } from "@smart-orchestrator/shared";
import test from "ava";
import { CommandFailure } from "./command-failure.js";
import {
  applyInput,
  configMap,
  deployment,
  startEngineKit,
  virtualClock,
} from "./testing/engine-kit.js";

interface Seen {
  readonly message: string;
  readonly objects: readonly ObjectStatus[];
}

test("the result waits for workloads, Jobs and claims to be ready, reporting progress while it waits", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  const seen: Seen[] = [];
  // The Deployment cannot run until a GPU node joins; the node joins when progress says why it waits.
  // It mounts the claim: k3s's local-path class binds a claim only for its first consumer.
  const web = deployment("web", 2, {
    nodeSelector: { "example.com/gpu": "yes" },
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
  });
  let joined = false;
  const out = await kit.engine().apply(
    applyInput([
      configMap("settings"),
      web,
      {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "migrate" },
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "m", image: "busybox" }] },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
    ]),
    (message, objects) => {
      seen.push({ message, objects });
      if (!joined && objects.some((o) => o.name === "web" && /Unschedulable/.test(o.message))) {
        joined = true;
        kit.sim.addNode({ name: "gpu-1", labels: { "example.com/gpu": "yes" } });
      }
    },
  );
  t.true(joined, `progress named why web waited: ${JSON.stringify(seen)}`);
  t.true(
    out.objects.every((o) => o.ready && o.message === ""),
    JSON.stringify(out.objects),
  );
  t.true(seen.every((s) => /^waiting for \d of 4 objects: /.test(s.message)));
  t.true(
    seen.every((s) => s.objects.every((o) => !o.ready)),
    "progress lists only objects not ready",
  );
  const dep = kit.sim.get("Deployment", "shop", "web")?.status as
    | { availableReplicas?: number }
    | undefined;
  t.is(dep?.availableReplicas, 2);
  const claim = kit.sim.get("PersistentVolumeClaim", "shop", "data")?.status as
    | { phase?: string }
    | undefined;
  t.is(claim?.phase, "Bound");
});

test("on timeout the failure names the objects not ready and why, from their pods", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  const seen: Seen[] = [];
  // No node has this label: the pod stays Pending as Unschedulable.
  const stuck = deployment("web", 1, { nodeSelector: { "example.com/gpu": "yes" } });
  let failure: CommandFailure | undefined;
  try {
    await kit
      .engine(0, virtualClock())
      .apply(
        applyInput([configMap("settings"), stuck], { timeoutMs: 30_000 }),
        (message, objects) => seen.push({ message, objects }),
      );
  } catch (err) {
    if (err instanceof CommandFailure) failure = err;
    else throw err;
  }
  t.is(failure?.kind, FailureKind.FAILURE_KIND_TIMEOUT);
  t.regex(
    failure?.message ?? "",
    /^not ready within 30s: Deployment shop\/web \(0 of 1 replicas .*Unschedulable: pod web-/,
  );
  t.notRegex(failure?.message ?? "", /ConfigMap/, "ready objects are not named");
  const web = failure?.objects.find((o) => o.name === "web");
  t.false(web?.ready);
  t.regex(web?.message ?? "", /Unschedulable/);
  t.true(failure?.objects.find((o) => o.name === "settings")?.ready);
  t.true(
    seen.some((s) => s.objects.some((o) => o.name === "web" && /Unschedulable/.test(o.message))),
    `progress named the reason while waiting: ${JSON.stringify(seen)}`,
  );
});

test("a container that cannot pull its image is named with its reason, from the pod's container statuses", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  // The simulator has no image-pull failure of its own yet: the pod's status is written the
  // way a kubelet writes it (the /status subresource) once the pod exists and waits.
  const stuck = deployment("web", 1, { nodeSelector: { "example.com/gpu": "yes" } });
  let patched: Promise<Response> | undefined;
  let failure: CommandFailure | undefined;
  // Time moves on only once the status write has landed, however slow the machine.
  const virtual = virtualClock();
  const clock = {
    now: virtual.now,
    sleep: async (ms: number) => {
      await patched;
      await virtual.sleep(ms);
    },
  };
  try {
    await kit
      .engine(0, clock)
      .apply(applyInput([stuck], { timeoutMs: 30_000 }), (_message, objects) => {
        const waiting = objects.find((o) => o.name === "web" && /pod (web-\S+)/.test(o.message));
        const pod = waiting && /pod (web-[^:\s]+)/.exec(waiting.message)?.[1];
        if (!pod || patched) return;
        patched = fetch(`${kit.sim.url}/api/v1/namespaces/shop/pods/${pod}/status`, {
          method: "PATCH",
          headers: { "content-type": "application/merge-patch+json" },
          body: JSON.stringify({
            status: {
              containerStatuses: [
                {
                  name: "app",
                  ready: false,
                  restartCount: 0,
                  image: "nginx:1.27",
                  imageID: "",
                  state: {
                    waiting: {
                      reason: "ImagePullBackOff",
                      message: 'Back-off pulling image "nginx:1.27"',
                    },
                  },
                },
              ],
            },
          }),
        });
      });
  } catch (err) {
    if (err instanceof CommandFailure) failure = err;
    else throw err;
  }
  t.is((await patched)?.status, 200);
  t.is(failure?.kind, FailureKind.FAILURE_KIND_TIMEOUT);
  t.regex(
    failure?.message ?? "",
    /Deployment shop\/web \(0 of 1 replicas [a-z]+; ImagePullBackOff: pod web-\S+ container app: Back-off pulling image "nginx:1\.27"\)/,
  );
});

test("a newer command stops the wait: the result says superseded and lists what was applied", async (t) => {
  const kit = await startEngineKit(0);
  t.teardown(() => kit.close());
  const stuck = deployment("web", 1, { nodeSelector: { "example.com/gpu": "yes" } });
  const newer = new AbortController();
  let failure: CommandFailure | undefined;
  try {
    await kit
      .engine(0, virtualClock())
      .apply(
        applyInput([configMap("settings"), stuck], { timeoutMs: 600_000 }),
        () => newer.abort(),
        newer.signal,
      );
  } catch (err) {
    if (err instanceof CommandFailure) failure = err;
    else throw err;
  }
  t.is(failure?.kind, FailureKind.FAILURE_KIND_SUPERSEDED);
  t.regex(failure?.message ?? "", /while it waited for readiness/);
  t.deepEqual(failure?.objects.map((o) => [o.name, o.ready]).sort(), [
    ["settings", true],
    ["web", false],
  ]);
});
