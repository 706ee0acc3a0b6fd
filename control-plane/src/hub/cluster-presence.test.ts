import { createLogger } from "@smart-orchestrator/shared";
import test from "ava";
import type { ClusterDoc } from "../clusters/cluster-doc.js";
import { ClusterRecords } from "../clusters/cluster-records.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { ClusterPresence } from "./cluster-presence.js";

const hello = {
  agentVersion: "0.1.0",
  kubernetesVersion: "v1.31.4+k3s1",
  distribution: "k3s",
  cni: "",
  architectures: ["arm64"],
};

async function setup(n: number) {
  const store = SqliteStore.open(":memory:");
  const clusters = await store.collection<ClusterDoc>("clusters");
  for (let i = 0; i < n; i++) {
    await clusters.insert({
      _id: `c${i}`,
      name: `c${i}`,
      description: "",
      cloud: false,
      cni: "",
      status: "Pending",
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:00Z",
    });
  }
  const presence = new ClusterPresence(
    new ClusterRecords(clusters),
    () => new Date(),
    createLogger({ name: "t", level: "silent" }),
  );
  return { store, clusters, presence };
}

test("the newest change per cluster wins and is written once", async (t) => {
  const { clusters, presence } = await setup(1);
  const first = presence.connected("c0", hello);
  const second = presence.disconnected("c0", "gone");
  await Promise.all([first, second]);
  const doc = await clusters.get("c0");
  t.is(doc?.status, "Disconnected");
  t.is(doc?._v, 2, "one write, not two");
});

test("a burst of first connections is written without blocking the event loop for the whole burst", async (t) => {
  const { clusters, presence } = await setup(300);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 0);
  await Promise.all(Array.from({ length: 300 }, (_, i) => presence.connected(`c${i}`, hello)));
  clearInterval(ticker);
  t.true(ticks > 5, `the event loop ran ${ticks} times during the burst`);
  t.is(await clusters.count({ status: "Enabled" }), 300);
  await presence.flush();
});

test("an unchanged status is not rewritten", async (t) => {
  const { clusters, presence } = await setup(1);
  await presence.connected("c0", hello);
  await presence.connected("c0", hello);
  t.is((await clusters.get("c0"))?._v, 2);
});
