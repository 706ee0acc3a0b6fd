import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startSimulator } from "@smart-orchestrator/kube-simulator";
import { type CommandResult, ObjectAction } from "@smart-orchestrator/shared";
import test from "ava";
import { applyCommand, fakeHub, startLinkedAgent } from "../support/fake-hub.js";
import { eventually } from "../support/hub-harness.js";

test("a command of more than gRPC's default 4 MiB reaches the agent, is applied, reported on, and answered once per id", async (t) => {
  const hub = fakeHub();
  const port = await hub.start();
  const sim = await startSimulator({ cluster: "name=edge,nodes=1", readyDelayMs: 0 });
  const stateDir = mkdtempSync(join(tmpdir(), "so-agent-cmd-"));
  const agent = await startLinkedAgent({ port, sim, stateDir });
  t.teardown(async () => {
    await agent.stop();
    await sim.close();
    await hub.close();
  });
  await eventually(() => hub.connected(), "agent connected");

  // Seven ConfigMaps of random text: about 5 MiB even gzipped.
  const objects = Array.from({ length: 7 }, (_, i) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `blob-${i}` },
    data: { blob: randomBytes(700 * 1024).toString("base64") },
  }));
  objects.push({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "app", image: "nginx" }] },
      },
    },
  } as never);
  const gz = gzipSync(JSON.stringify(objects));
  t.true(gz.length > 4 * 1024 * 1024, `payload is ${gz.length} bytes`);
  const command = applyCommand({
    id: "e1/1",
    release: "blobs",
    enablerId: "e1",
    namespace: "edge",
    revision: 1,
    objects: gz,
    timeoutMs: 60_000,
  });
  hub.send(command);
  hub.send(command); // a re-send of the same id while it runs
  const [first, second] = (await eventually(
    () => (hub.results.length >= 2 ? hub.results : undefined),
    "two results",
    30_000,
  )) as CommandResult[];
  t.true(first?.ok, first?.message);
  // Had it run twice, the second run would report the objects as unchanged, not created.
  t.deepEqual(second, first, "the repeat is answered with the same result");
  t.is(first?.objects.length, 8);
  t.true(first?.objects.every((o) => o.action === ObjectAction.OBJECT_ACTION_CREATED && o.ready));
  t.truthy(sim.get("ConfigMap", "edge", "blob-6"));
  t.truthy(sim.get("Deployment", "edge", "web"));
  t.true(hub.progress.every((p) => p.commandId === "e1/1"));

  hub.send({
    body: {
      $case: "command",
      value: {
        id: "e1/delete",
        action: {
          $case: "delete",
          value: {
            release: "blobs",
            enablerId: "e1",
            namespace: "edge",
            timeoutMs: 0,
            hooks: Buffer.alloc(0),
          },
        },
      },
    },
  });
  const deleted = (await eventually(
    () => hub.results.find((r) => r.commandId === "e1/delete"),
    "delete result",
    30_000,
  )) as CommandResult;
  t.true(deleted.ok, deleted.message);
  t.is(deleted.objects.length, 8);
  t.is(sim.get("Deployment", "edge", "web"), undefined);
});
