import { createLogger, type NodeReport } from "@smart-orchestrator/shared";
import test from "ava";
import { SqliteStore } from "../store/sqlite-store.js";
import { type HistoryDayDoc, historyCollectionName } from "./history-doc.js";
import { HistoryStore } from "./history-store.js";
import { bucketMs, retentionMs } from "./usage-buckets.js";
import { UsageHistory } from "./usage-history.js";

const log = createLogger({ name: "test", level: "silent" });
const dayMs = 24 * 3600_000;
const t0 = Date.parse("2026-03-01T23:50:00Z");

function report(cpuReq: number, rx?: number): NodeReport {
  return {
    observedAtMs: 0,
    nodes: [
      {
        name: "n1",
        labels: {},
        taints: [],
        ready: true,
        architecture: "arm64",
        kubeletVersion: "v1.31.0",
        allocatable: { cpuMillis: 4000, memoryBytes: 8000, pods: 110, ephemeralStorageBytes: 0 },
        requested: { cpuMillis: cpuReq, memoryBytes: 0, pods: 1, ephemeralStorageBytes: 0 },
        ...(rx !== undefined ? { usage: { networkRxBytesPerSecond: rx, unavailable: {} } } : {}),
      },
    ],
  };
}

async function setup() {
  const store = SqliteStore.open(":memory:");
  const docs = await store.collection<HistoryDayDoc>(historyCollectionName);
  let now = t0;
  const history = new UsageHistory({
    store: new HistoryStore(docs),
    now: () => new Date(now),
    log,
  });
  return {
    store,
    docs,
    history,
    at: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
    set: (ms: number) => {
      now = ms;
    },
  };
}

test("one document write per closed bucket, however many reports; points read back across days", async (t) => {
  const h = await setup();
  // 30 reports per bucket (every 10 s) over four buckets that straddle midnight UTC.
  for (let b = 0; b < 4; b++) {
    for (let i = 0; i < 30; i++) {
      h.history.record("c1", report(1000 + b * 100, 500), h.at());
      h.advance(10_000);
    }
  }
  h.history.record("c1", report(0), h.at()); // opens bucket 5, closes bucket 4
  await h.history.flushed();
  const docs = await h.docs.find({});
  t.deepEqual(
    docs.map((d) => [d._id, d.points.length, d._v]),
    [
      ["2026-03-01/c1", 2, 2],
      ["2026-03-02/c1", 2, 2],
    ],
    "two points per day document, each written once",
  );
  const points = await h.history.points("c1", new Date(t0 - dayMs), h.at());
  t.deepEqual(
    points.map((p) => [
      new Date(p.at).toISOString(),
      p.cpuFreeMillis,
      p.rxBytesPerSecond,
      p.samples,
    ]),
    [
      ["2026-03-01T23:50:00.000Z", 3000, 500, 30],
      ["2026-03-01T23:55:00.000Z", 2900, 500, 30],
      ["2026-03-02T00:00:00.000Z", 2800, 500, 30],
      ["2026-03-02T00:05:00.000Z", 2700, 500, 30],
    ],
  );
  const some = await h.history.points("c1", new Date(t0 + bucketMs), new Date(t0 + 3 * bucketMs));
  t.deepEqual(
    some.map((p) => p.at),
    [t0 + bucketMs, t0 + 2 * bucketMs],
    "from is inclusive, to exclusive",
  );
});

test("rx stays null in stored points when no report carried it", async (t) => {
  const h = await setup();
  h.history.record("c1", report(100), h.at());
  h.advance(bucketMs);
  h.history.record("c1", report(100), h.at());
  await h.history.flushed();
  const [p] = await h.history.points("c1", new Date(t0), h.at());
  t.is(p?.rxBytesPerSecond, null);
  t.is(p?.rxMaxBytesPerSecond, null);
});

test("tick closes the bucket of a cluster that fell silent", async (t) => {
  const h = await setup();
  h.history.record("quiet", report(100), h.at());
  h.advance(bucketMs - 1);
  h.history.tick();
  await h.history.flushed();
  t.is(await h.docs.count(), 0, "not before the bucket ends");
  h.advance(1);
  h.history.tick();
  await h.history.flushed();
  t.is((await h.history.points("quiet", new Date(t0 - dayMs), h.at())).length, 1);
});

test("written points survive a restart; the open bucket is lost, by design", async (t) => {
  const h = await setup();
  h.history.record("c1", report(100), h.at());
  h.advance(bucketMs);
  h.history.record("c1", report(200), h.at()); // open, never closed
  await h.history.stop();
  const again = new UsageHistory({
    store: new HistoryStore(h.docs),
    now: () => h.at(),
    log,
  });
  h.advance(2 * bucketMs);
  const points = await again.points("c1", new Date(t0 - dayMs), h.at());
  t.deepEqual(
    points.map((p) => p.cpuFreeMillis),
    [3900],
  );
});

test("points stored before usage was kept read back with null usage", async (t) => {
  const h = await setup();
  const day = new Date(t0).toISOString().slice(0, 10);
  await h.docs.insert({
    _id: `${day}/old`,
    clusterId: "old",
    day,
    points: [[0, 5, 6, 7, 1, 2, 8, 3]],
  });
  const [p] = await new HistoryStore(h.docs).read("old", Date.parse(`${day}T00:00:00Z`), t0 + 1);
  t.like(p, { cpuFreeMillis: 5, samples: 3, cpuUsedMillis: null, memoryUsedBytes: null });
});

test("the same bucket written twice is replaced, not duplicated", async (t) => {
  const h = await setup();
  const store = new HistoryStore(h.docs);
  const p = {
    at: t0,
    cpuFreeMillis: 1,
    memoryFreeBytes: 1,
    rxBytesPerSecond: null,
    cpuFreeMinMillis: 1,
    memoryFreeMinBytes: 1,
    rxMaxBytesPerSecond: null,
    samples: 1,
    cpuUsedMillis: null,
    memoryUsedBytes: null,
  };
  await store.write("c1", p);
  await store.write("c1", { ...p, at: t0 - bucketMs });
  await store.write("c1", { ...p, cpuFreeMillis: 2 });
  const [doc] = await h.docs.find({});
  t.deepEqual(
    doc?.points.map((x) => [x[0], x[1]]),
    [
      [285, 1],
      [286, 2],
    ],
  );
});

test("history is bounded: reads stop at 14 days and whole days past it are pruned", async (t) => {
  const h = await setup();
  const store = new HistoryStore(h.docs);
  const point = (at: number) => ({
    at,
    cpuFreeMillis: 1,
    memoryFreeBytes: 1,
    rxBytesPerSecond: 1,
    cpuFreeMinMillis: 1,
    memoryFreeMinBytes: 1,
    rxMaxBytesPerSecond: 1,
    samples: 1,
    cpuUsedMillis: 1,
    memoryUsedBytes: 1,
  });
  // One point every 6 hours for 20 days, for two clusters.
  for (let at = t0 - 20 * dayMs; at < t0; at += 6 * 3600_000) {
    await store.write("a", point(at));
    await store.write("b", point(at));
  }
  const all = await h.history.points("a", new Date(0), h.at());
  t.true(
    all.every((p) => p.at >= t0 - retentionMs),
    "nothing older than 14 days is read",
  );
  t.is(all.length, 14 * 4);
  h.history.tick();
  await h.history.flushed();
  const days = [...new Set((await h.docs.find({})).map((d) => d.day))];
  t.is(days[0], "2026-02-15", "the day holding now − 14 d is kept, older days are gone");
  t.is(days.length, 15);
});

test("forget drops a deleted cluster's figures and stored history", async (t) => {
  const h = await setup();
  h.history.record("gone", report(100), h.at());
  h.history.record("kept", report(100), h.at());
  h.advance(bucketMs);
  h.history.record("gone", report(100), h.at());
  h.history.record("kept", report(100), h.at());
  await h.history.flushed();
  h.history.forget("gone");
  await h.history.flushed();
  t.is(h.history.latest("gone"), undefined);
  t.deepEqual(
    (await h.docs.find({})).map((d) => d.clusterId),
    ["kept"],
  );
});
