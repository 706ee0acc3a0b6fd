// Deadlines are generous: on a loaded two-core machine a tsx-started agent takes tens of seconds to start.
import { readFileSync } from "node:fs";
import { simulatorKubeConfigObject, startSimulator } from "@smart-orchestrator/kube-simulator";
import test from "ava";
import { eventually, startHub } from "../support/hub-harness.js";

test("a cluster registered with credentials is served by a managed agent that restarts and stops with it", async (t) => {
  t.timeout(300_000);
  const sim = await startSimulator({ cluster: "name=factory,nodes=2,arch=amd64" });
  t.teardown(() => sim.close());
  const hub = await startHub({ env: { SO_ALLOW_HTTP_CLUSTERS: "true" } });
  t.teardown(() => hub.close());
  const kubeconfig = simulatorKubeConfigObject(sim.url, "factory");
  const created = await hub.api("POST", "/clusters", { name: "factory", credentials: kubeconfig });
  t.is(created.status, 201);
  const uid = created.body.uid;

  await eventually(
    async () => (await hub.api("GET", `/clusters/node/${uid}`)).body.length === 2,
    "nodes reported by the managed agent",
    90_000,
  );
  const view = (await hub.api("GET", `/clusters/${uid}`)).body;
  t.like(view, { status: "Enabled", mode: "credentials" });

  // The kubeconfig reached the child privately: not on its command line, not in its environment.
  const pid = hub.plane.managedAgents.pid(uid);
  t.truthy(pid);
  const secretBits = JSON.stringify(kubeconfig.users);
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
  const token = (kubeconfig.users as { user: { token?: string } }[])[0]?.user.token;
  for (const text of [cmdline, environ]) {
    t.false(text.includes(secretBits));
    if (token) t.false(text.includes(token));
    t.false(text.includes(sim.url), "not even the server address");
  }

  // A dead agent is restarted and the cluster comes back.
  process.kill(pid as number, "SIGKILL");
  await eventually(() => hub.plane.managedAgents.restarts(uid) >= 1, "restart scheduled");
  await eventually(
    () => {
      const p = hub.plane.managedAgents.pid(uid);
      return p !== undefined && p !== pid;
    },
    "a new agent process",
    90_000,
  );
  await eventually(async () => hub.plane.sessions.has(uid), "session back", 90_000);

  // Deleting the cluster stops its agent.
  const newPid = hub.plane.managedAgents.pid(uid) as number;
  t.is((await hub.api("DELETE", `/clusters/${uid}`)).status, 204);
  await eventually(
    () => {
      try {
        process.kill(newPid, 0);
        return false;
      } catch {
        return true;
      }
    },
    "agent process gone",
    10_000,
  );
  t.is(hub.plane.managedAgents.pid(uid), undefined);
});
