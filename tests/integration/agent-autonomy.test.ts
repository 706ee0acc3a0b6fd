import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { Server, ServerCredentials, type ServerDuplexStream } from "@grpc/grpc-js";
import {
  type Agent,
  createAgent,
  FileCredentialStore,
  loadAgentConfig,
} from "@smart-orchestrator/edge-agent";
import {
  realTool,
  simulatorKubeConfig,
  simulatorKubeConfigObject,
  startSimulator,
} from "@smart-orchestrator/kube-simulator";
import {
  AgentHubService,
  type AgentMessage,
  Backoff,
  type CommandResult,
  type HubMessage,
  maxLinkMessageBytes,
  ReleaseHealth,
  type ReleaseStatus,
} from "@smart-orchestrator/shared";
import test from "ava";
import { eventually, testLogger } from "../support/hub-harness.js";

/** A stand-in hub on a fixed port that can go away and come back; it records what agents send. */
function fakeHub(port: number) {
  const results: CommandResult[] = [];
  const statuses: ReleaseStatus[] = [];
  let call: ServerDuplexStream<AgentMessage, HubMessage> | undefined;
  let server: Server | undefined;
  return {
    results,
    statuses,
    connected: () => call !== undefined,
    send: (m: HubMessage) => call?.write(m),
    async start() {
      server = new Server({ "grpc.max_receive_message_length": maxLinkMessageBytes });
      server.addService(AgentHubService, {
        connect: (c: ServerDuplexStream<AgentMessage, HubMessage>) => {
          c.on("data", (m: AgentMessage) => {
            const body = m.body;
            if (body?.$case === "hello") {
              call = c;
              c.write({
                body: {
                  $case: "welcome",
                  value: {
                    clusterId: "c1",
                    credential: "",
                    reportIntervalMs: 60_000,
                    pingIntervalMs: 60_000,
                    readDeadlineMs: 60_000,
                  },
                },
              });
            } else if (body?.$case === "commandResult") results.push(body.value);
            else if (body?.$case === "releaseStatus") statuses.push(body.value);
          });
          c.on("error", () => {});
        },
      });
      const s = server;
      return new Promise<number>((resolve, reject) =>
        s.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e, p) =>
          e ? reject(e) : resolve(p),
        ),
      );
    },
    stop() {
      call = undefined;
      server?.forceShutdown();
    },
  };
}

const kubectl = realTool("kubectl");

test("with the hub down, a Deployment deleted with kubectl comes back, also after an agent restart; the hub hears of it on reconnect", async (t) => {
  if (!kubectl.ok) {
    t.log(`skipped: ${kubectl.reason}`);
    t.pass();
    return;
  }
  const sim = await startSimulator({ cluster: "name=edge,nodes=1", readyDelayMs: 0 });
  const dir = mkdtempSync(join(tmpdir(), "so-autonomy-"));
  const kubeconfigFile = join(dir, "kubeconfig.json");
  writeFileSync(kubeconfigFile, JSON.stringify(simulatorKubeConfigObject(sim.url, "edge")), {
    mode: 0o600,
  });
  await new FileCredentialStore(dir).save({ clusterId: "c1", credential: "c1.secret" });
  // Find a free port, then keep using it across hub restarts.
  const probe = fakeHub(0);
  const port = await probe.start();
  probe.stop();
  const hub = fakeHub(port);
  await hub.start();

  let fire: (() => void) | undefined;
  const startAgent = () =>
    createAgent({
      config: loadAgentConfig({}, ["--hub", `127.0.0.1:${port}`, "--insecure", "--state-dir", dir]),
      kubeConfig: simulatorKubeConfig(sim.url, sim.spec.name),
      log: testLogger("agent"),
      hostScope: "none",
      link: { backoff: new Backoff({ initialMs: 50, maxMs: 300 }) },
      repairEvery: (_ms, fn) => {
        fire = fn;
        return () => {
          fire = undefined;
        };
      },
    });
  let agent: Agent = await startAgent();
  t.teardown(async () => {
    await agent.stop();
    hub.stop();
    await sim.close();
  });
  const tick = async () => {
    fire?.();
    await agent.repairer.sweep();
  };
  await eventually(() => hub.statuses.length === 1, "the first session's ReleaseStatus");
  t.deepEqual(hub.statuses[0]?.releases, []);

  const objects = [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "nginx" }] },
        },
      },
    },
  ];
  hub.send({
    body: {
      $case: "command",
      value: {
        id: "e1/1",
        action: {
          $case: "apply",
          value: {
            release: "web",
            enablerId: "e1",
            namespace: "edge",
            revision: 1,
            objects: gzipSync(JSON.stringify(objects)),
            timeoutMs: 30_000,
            forceConflicts: false,
          },
        },
      },
    },
  });
  const result = await eventually(() => hub.results[0], "apply");
  t.true(result?.ok, result?.message);

  // Async: the simulator answers kubectl from this very process.
  const deleteByHand = async () =>
    (
      await promisify(execFile)(kubectl.path, [
        "--kubeconfig",
        kubeconfigFile,
        "-n",
        "edge",
        "delete",
        "deployment",
        "web",
      ])
    ).stdout;
  hub.stop();
  await eventually(() => agent.link.state !== "connected", "agent sees the hub gone");
  t.regex(await deleteByHand(), /deleted/);
  t.falsy(sim.get("Deployment", "edge", "web"));
  await tick();
  t.truthy(sim.get("Deployment", "edge", "web"), "back while the hub is down");

  // The agent restarts while the hub is still down: its desired state comes from the state dir.
  await agent.stop();
  agent = await startAgent();
  await deleteByHand();
  await tick();
  const back = sim.get("Deployment", "edge", "web") as { spec?: { replicas?: number } } | undefined;
  t.is(back?.spec?.replicas, 2, "back after the restart, with no hub at all");

  await hub.start();
  const status = (await eventually(
    () => hub.statuses.find((s) => s.releases.length > 0),
    "the ReleaseStatus of the new session",
  )) as ReleaseStatus;
  t.like(status.releases[0], {
    release: "web",
    enablerId: "e1",
    namespace: "edge",
    revision: 1,
    repairs: 1,
    lastRepaired: ["Deployment edge/web (recreated)"],
  });
  t.not(status.releases[0]?.health, ReleaseHealth.RELEASE_HEALTH_UNSPECIFIED);
});
