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
