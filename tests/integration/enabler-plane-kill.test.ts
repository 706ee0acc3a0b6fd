import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { startSimulatedAgent } from "../support/agent-harness.js";
import {
  deployDeadlineMs,
  releaseObjects,
  webKinds,
  webManifests,
  webObjectNames,
} from "../support/enabler-harness.js";
import { eventually } from "../support/hub-harness.js";
import { freePort, startPlaneProcess } from "../support/plane-process.js";

// The control plane as its own process, killed with SIGKILL in the middle of a
// deploy: nothing it answered for may be lost, and nothing may be applied twice.
test("the control plane killed (SIGKILL) mid-deploy: nothing lost, nothing duplicated", async (t) => {
  // The hub's port stays across the restart so that the agent finds it again.
  const grpcPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "so-kill-"));
  const env = { SO_GRPC_PORT: String(grpcPort), SO_INSECURE: "true", SO_LOG_LEVEL: "warn" };
  const first = await startPlaneProcess(dataDir, env);
  t.teardown(() => first.child.kill("SIGKILL"));
  const cluster = await first.api("POST", "/clusters", { name: "steady" });
  const sim = await startSimulator({ cluster: "name=steady,nodes=1,cpu=2" });
  t.teardown(() => sim.close());
  const agent = await startSimulatedAgent({
    hub: `127.0.0.1:${grpcPort}`,
    token: cluster.body.join.token,
    sim,
  });
  t.teardown(() => agent.stop());
  // The Deployment cannot schedule on 2 CPUs: the deploy stays in flight until a node is added.
  const created = await first.api("POST", "/enabler", {
    name: "web",
    cluster: "steady",
    manifests: webManifests({ cpu: "4" }),
  });
  t.is(created.status, 201);
  const id = created.body.uid;
  await eventually(
    async () => (await first.api("GET", `/enabler/${id}`)).body.progress?.waitingFor?.length > 0,
    "the agent waiting on the Deployment",
    deployDeadlineMs,
  );

  first.child.kill("SIGKILL");
  await first.exited;
  sim.addNode({ cpu: "8" });
  const second = await startPlaneProcess(dataDir, env);
  t.teardown(() => second.child.kill("SIGKILL"));

  const enabled = await eventually(
    async () => {
      const e = (await second.api("GET", `/enabler/${id}`)).body;
      return e.status === "Enabled" ? e : undefined;
    },
    "Enabled after the restart",
    deployDeadlineMs,
  );
  t.is(enabled.currentRevision, 1);
  t.is(enabled.appliedRevision, 1);
  t.deepEqual(releaseObjects(sim, id, webKinds).sort(), [...webObjectNames]);
  t.is(sim.get("Deployment", "default", "web")?.metadata.generation, 1, "applied once, not twice");
  t.is((await second.api("GET", "/enabler")).body.length, 1);
});
