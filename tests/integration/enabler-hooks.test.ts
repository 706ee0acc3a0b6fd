import test from "ava";
import {
  releaseObjects,
  startPlaneWithAgent,
  waitForStatus,
  webKinds,
  webManifests,
} from "../support/enabler-harness.js";

// Helm hooks as the control plane sees them: shipped inside Apply.objects,
// run by a real agent on the simulator, the outcome on GET /enabler/:id.

/** A hook Job; `fails` makes its pod exit 1 in the simulator (a documented pod knob). */
function hookJob(name: string, phase: string, weight: number, fails = false) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      annotations: { "helm.sh/hook": phase, "helm.sh/hook-weight": String(weight) },
    },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: fails ? { annotations: { "simulator.smart-orchestrator.io/fails": "true" } } : {},
        spec: { restartPolicy: "Never", containers: [{ name: "hook", image: "busybox" }] },
      },
    },
  };
}

test("pre-install hooks run by weight before the objects; a failing one leaves the enabler in Error with the Job's reason and nothing else applied", async (t) => {
  const { hub, agent: a } = await startPlaneWithAgent(t, { cluster: "edge" });

  // The order in which the objects first appear in the cluster, seen on every change.
  const seen: string[] = [];
  const watched: Array<[string, string]> = [
    ["Job", "migrate-first"],
    ["Job", "migrate-second"],
    ["Deployment", "web"],
  ];
  const unsubscribe = a.sim.onChange(() => {
    for (const [kind, name] of watched) {
      const key = `${kind}/${name}`;
      if (!seen.includes(key) && a.sim.get(kind, "default", name)) seen.push(key);
    }
  });
  t.teardown(unsubscribe);
  const ok = await hub.api("POST", "/enabler", {
    name: "web",
    cluster: "edge",
    manifests: [
      ...webManifests(),
      hookJob("migrate-second", "pre-install", 5),
      hookJob("migrate-first", "pre-install", -1),
    ],
  });
  t.is(ok.status, 201, JSON.stringify(ok.body));
  await waitForStatus(hub, ok.body.uid, "Enabled");
  t.deepEqual(
    seen,
    ["Job/migrate-first", "Job/migrate-second", "Deployment/web"],
    "weight -1, then weight 5, then the main objects",
  );

  const bad = await hub.api("POST", "/enabler", {
    name: "shop",
    cluster: "edge",
    namespace: "shop",
    manifests: [...webManifests(), hookJob("migrate", "pre-install", 0, true)],
  });
  t.is(bad.status, 201, JSON.stringify(bad.body));
  const failed = await waitForStatus(hub, bad.body.uid, "Error");
  t.regex(failed.statusReason, /pre-install hook Job shop\/migrate failed/);
  t.regex(failed.statusReason, /BackoffLimitExceeded/);
  t.deepEqual(releaseObjects(a.sim, bad.body.uid, webKinds), [], "no main object applied");
});
