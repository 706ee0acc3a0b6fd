import type { Node, NodeReport } from "@smart-orchestrator/shared";
import test from "ava";
import { clusterFigures, nodeRxBytesPerSecond } from "./cluster-figures.js";
import { bucketMs, bucketStart, UsageBuckets } from "./usage-buckets.js";

const t0 = Date.parse("2026-03-01T10:00:00Z");
const noUse = { cpuUsedMillis: null, memoryUsedBytes: null };

/** One node's worth of figures with `free` CPU millis and bytes, no rate and no usage measured. */
function rateless(free: number) {
  return {
    cpuFreeMillis: free,
    memoryFreeBytes: free,
    rxBytesPerSecond: null,
    readyNodes: 1,
    ...noUse,
  };
}

function node(name: string, o: { ready?: boolean; cpuReq?: number; rx?: number } = {}) {
  return {
    name,
    labels: {},
    taints: [],
    ready: o.ready ?? true,
    architecture: "amd64",
    kubeletVersion: "v1.31.0",
    allocatable: { cpuMillis: 2000, memoryBytes: 4000, pods: 110, ephemeralStorageBytes: 0 },
    requested: {
      cpuMillis: o.cpuReq ?? 500,
      memoryBytes: 1000,
      pods: 5,
      ephemeralStorageBytes: 0,
    },
    ...(o.rx !== undefined ? { usage: { networkRxBytesPerSecond: o.rx, unavailable: {} } } : {}),
  };
}

const report = (...nodes: Node[]): NodeReport => ({ observedAtMs: 0, nodes });

test("free capacity sums Ready nodes only, never below zero per node", (t) => {
  const f = clusterFigures(
    report(node("a"), node("b", { cpuReq: 2500 }), node("c", { ready: false })),
  );
  t.deepEqual(f, {
    cpuFreeMillis: 1500,
    memoryFreeBytes: 6000,
    rxBytesPerSecond: null,
    readyNodes: 2,
    cpuUsedMillis: null,
    memoryUsedBytes: null,
  });
});

test("used CPU and memory sum the Ready nodes that measured them, null when none did", (t) => {
  const used = (name: string, cpu: number, mem: number, ready = true) => ({
    ...node(name, { ready }),
    usage: { cpuMillis: cpu, memoryBytes: mem, unavailable: {} },
  });
  const f = clusterFigures(
    report(used("a", 300, 1000), used("b", 200, 500), used("c", 999, 999, false), node("d")),
  );
  t.is(f.cpuUsedMillis, 500);
  t.is(f.memoryUsedBytes, 1500);
});

test("rx is null when no node measured it, and sums the nodes that did (NotReady included)", (t) => {
  t.is(clusterFigures(report(node("a"), node("b"))).rxBytesPerSecond, null);
  t.is(
    clusterFigures(report(node("a", { rx: 100 }), node("b"), node("c", { ready: false, rx: 50 })))
      .rxBytesPerSecond,
    150,
  );
  t.is(nodeRxBytesPerSecond(node("x", { rx: Number.NaN })), undefined);
});

test("reports within 5 minutes fold into one point that closes when the next bucket opens", (t) => {
  const b = new UsageBuckets();
  const f = (cpu: number, rx: number | null) => ({
    cpuFreeMillis: cpu,
    memoryFreeBytes: cpu * 10,
    rxBytesPerSecond: rx,
    readyNodes: 1,
    cpuUsedMillis: rx === null ? null : cpu / 10,
    memoryUsedBytes: rx === null ? null : cpu,
  });
  t.is(b.add("c1", f(100, 10), t0), undefined);
  t.is(b.add("c1", f(300, null), t0 + 10_000), undefined);
  t.is(b.add("c1", f(200, 30), t0 + bucketMs - 1), undefined);
  const closed = b.add("c1", f(999, 5), t0 + bucketMs);
  t.deepEqual(closed, {
    at: t0,
    cpuFreeMillis: 200,
    memoryFreeBytes: 2000,
    rxBytesPerSecond: 20,
    cpuFreeMinMillis: 100,
    memoryFreeMinBytes: 1000,
    rxMaxBytesPerSecond: 30,
    samples: 3,
    // Usage means count only the samples that measured it (100 and 200 here).
    cpuUsedMillis: 15,
    memoryUsedBytes: 150,
  });
  t.like(b.latest("c1"), { cpuFreeMillis: 999, at: t0 + bucketMs });
});

test("a bucket with no rate keeps rx null, not zero", (t) => {
  const b = new UsageBuckets();
  const f = rateless(1);
  b.add("c1", f, t0);
  const closed = b.add("c1", f, t0 + bucketMs);
  t.is(closed?.rxBytesPerSecond, null);
  t.is(closed?.rxMaxBytesPerSecond, null);
});

test("closeDue closes the buckets of silent clusters once their end has passed", (t) => {
  const b = new UsageBuckets();
  const f = rateless(5);
  b.add("quiet", f, t0 + 1000);
  b.add("busy", f, t0 + 2000);
  t.deepEqual(b.closeDue(t0 + bucketMs - 1), []);
  const due = b.closeDue(t0 + bucketMs);
  t.deepEqual(
    due.map((d) => [d.clusterId, d.point.at, d.point.samples]),
    [
      ["quiet", t0, 1],
      ["busy", t0, 1],
    ],
  );
  t.deepEqual(b.closeDue(t0 + 10 * bucketMs), [], "a closed bucket is not closed twice");
  t.truthy(b.latest("quiet"), "latest figures outlive the bucket");
});

test("a clock stepping back keeps filling the open bucket", (t) => {
  const b = new UsageBuckets();
  const f = rateless(5);
  b.add("c", f, t0 + bucketMs);
  t.is(b.add("c", f, t0), undefined);
  t.is(b.add("c", f, t0 + 2 * bucketMs)?.samples, 2);
});

test("bucketStart aligns to 5-minute boundaries", (t) => {
  t.is(bucketStart(t0 + 299_999), t0);
  t.is(bucketStart(t0 + 300_000), t0 + 300_000);
});
