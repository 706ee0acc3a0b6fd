import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
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
import { spawnTied } from "../support/tied-spawn.js";

// The control plane as its own process, killed with SIGKILL in the middle of a
// deploy: nothing it answered for may be lost, and nothing may be applied twice.
const token = "kill-test-admin-token-0123456789";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function startPlane(env: Record<string, string>) {
  const child = spawnTied(process.execPath, ["--import", "tsx", "control-plane/src/main.ts"], {
    env: {
      ...process.env,
      SO_HOST: "127.0.0.1",
      SO_INSECURE: "true",
      SO_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "ignore", "ignore"],
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return { child, exited };
}

test("the control plane killed (SIGKILL) mid-deploy: nothing lost, nothing duplicated", async (t) => {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const env = {
    SO_PORT: String(port),
    SO_GRPC_PORT: String(grpcPort),
    SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-kill-")),
    SO_ADMIN_TOKEN: token,
  };
  const url = `http://127.0.0.1:${port}`;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const first = startPlane(env);
  t.teardown(() => first.child.kill("SIGKILL"));
  await eventually(async () => (await fetch(`${url}/readyz`)).ok, "ready", 30_000);
  const cluster = await api("POST", "/clusters", { name: "steady" });
  const sim = await startSimulator({ cluster: "name=steady,nodes=1,cpu=2" });
  t.teardown(() => sim.close());
  const agent = await startSimulatedAgent({
    hub: `127.0.0.1:${grpcPort}`,
    token: cluster.body.join.token,
    sim,
  });
  t.teardown(() => agent.stop());
  // The Deployment cannot schedule on 2 CPUs: the deploy stays in flight until a node is added.
  const created = await api("POST", "/enabler", {
    name: "web",
    cluster: "steady",
    manifests: webManifests({ cpu: "4" }),
  });
  t.is(created.status, 201);
  const id = created.body.uid;
  await eventually(
    async () => (await api("GET", `/enabler/${id}`)).body.progress?.waitingFor?.length > 0,
    "the agent waiting on the Deployment",
    deployDeadlineMs,
  );

  first.child.kill("SIGKILL");
  await first.exited;
  sim.addNode({ cpu: "8" });
  const second = startPlane(env);
  t.teardown(() => second.child.kill("SIGKILL"));
  await eventually(async () => (await fetch(`${url}/readyz`)).ok, "ready again", 30_000);

  const enabled = await eventually(
    async () => {
      const e = (await api("GET", `/enabler/${id}`)).body;
      return e.status === "Enabled" ? e : undefined;
    },
    "Enabled after the restart",
    deployDeadlineMs,
  );
  t.is(enabled.currentRevision, 1);
  t.is(enabled.appliedRevision, 1);
  t.deepEqual(releaseObjects(sim, id, webKinds).sort(), [...webObjectNames]);
  t.is(sim.get("Deployment", "default", "web")?.metadata.generation, 1, "applied once, not twice");
  t.is((await api("GET", "/enabler")).body.length, 1);
});
