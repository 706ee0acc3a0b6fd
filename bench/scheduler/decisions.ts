/**
 * The measuring program of bench/scheduler (main.ts runs it bundled).
 *
 * Fleets of 1, 100, 1,000 and 5,000 connected clusters of 10 nodes each
 * (varied free room, every fifth cluster arm64, some tainted nodes, a cloud
 * cluster), and a two-workload release with an amd64 node selector. Each
 * cluster's report is laid out in a FleetTables as the control plane lays it
 * out when the report arrives, and the candidate list is built again before
 * every decision, as EnablerPlacement builds it for every request (untimed).
 * Times Scheduler.decide (every cluster fitted and ranked, explanation
 * built) and prints p50/p99 per fleet size, the time per cluster, and the
 * growth against linear: the step's time ratio over its fleet-size ratio,
 * so 1.00 or less is linear or better.
 *
 * Each fleet is built, then the heap is collected once before timing: in the
 * control plane the fleet's nodes are long-lived (old generation), and without
 * this the first decisions paid for promoting the bench's own fleet (scavenges
 * of 6-7 ms in --trace-gc), which is no part of a decision. The garbage
 * collector's pauses during the timed decisions are summed and printed per
 * decision, to tell collection cost from the decision's own. Asserts nothing.
 */
import { cpus, loadavg } from "node:os";
import { type PerformanceEntry, PerformanceObserver, performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Node } from "@smart-orchestrator/shared";
import { FleetTables } from "../../control-plane/src/placement/node-table.js";
import { Reservations } from "../../control-plane/src/placement/reservations.js";
import { type CandidateCluster, Scheduler } from "../../control-plane/src/placement/scheduler.js";
import { deployment, node } from "../../control-plane/src/placement/test-fleet.js";
import { workloadDemand } from "../../control-plane/src/placement/workload-demand.js";

function sizes(): number[] {
  const i = process.argv.indexOf("--sizes");
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  return (raw ?? "1,100,1000,5000")
    .split(",")
    .map(Number)
    .filter((n) => n > 0);
}

/** A cluster record and its latest report. */
interface Member {
  readonly id: string;
  readonly name: string;
  readonly cloud: boolean;
  readonly nodes: readonly Node[];
  readonly rxBytesPerSecond: number;
}

/** The fleet's records (by name, as the store lists them) and their reports, laid out as they arrive. */
function fleet(n: number, tables: FleetTables): Member[] {
  const out: Member[] = [];
  for (let c = 0; c < n; c++) {
    const arch = c % 5 === 4 ? "arm64" : "amd64";
    const nodes = Array.from({ length: 10 }, (_, i) =>
      node({
        name: `c${c}-n${i}`,
        arch,
        cpu: 4000,
        memMi: 8192,
        usedCpu: ((c * 7 + i * 13) % 40) * 100,
        usedMemMi: ((c * 3 + i * 5) % 32) * 256,
        usedPods: (c + i) % 110,
        ...(i === 9 ? { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } : {}),
      }),
    );
    const name = `cluster-${String(c).padStart(5, "0")}`;
    const m = {
      id: `id-${name}`,
      name,
      cloud: c === 0 && n > 1,
      nodes,
      rxBytesPerSecond: (c * 7919) % 100_000,
    };
    tables.of(m.id, nodes);
    out.push(m);
  }
  return out;
}

/** The candidate list, built as EnablerPlacement builds it for each request. */
function candidates(members: readonly Member[], tables: FleetTables): CandidateCluster[] {
  return members.map((m) => ({
    id: m.id,
    name: m.name,
    cloud: m.cloud,
    connected: true,
    table: tables.of(m.id, m.nodes),
    rxBytesPerSecond: m.rxBytesPerSecond,
  }));
}

const demand = workloadDemand([
  deployment("web", {
    replicas: 3,
    cpu: "250m",
    memory: "256Mi",
    nodeSelector: { "kubernetes.io/arch": "amd64" },
  }),
  deployment("cache", { replicas: 2, cpu: "100m", memory: "512Mi", kind: "StatefulSet" }),
]);

const pct = (a: number[], q: number) =>
  a[Math.min(a.length - 1, Math.floor(a.length * q))] as number;

console.log(
  `machine: ${cpus()[0]?.model ?? "?"} × ${cpus().length}, node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}, ${process.env.SO_BENCH_RUN ?? "unbundled"}`,
);
// CPU time is printed beside wall time: on a shared machine, wall time includes waiting for a core.
console.log(
  "clusters  nodes   runs   wall p50   p99 ms   CPU p50   p99 ms   CPU µs/cluster   growth vs linear   GC ms/decision   chosen",
);
// GC entries arrive after the synchronous timing loop; each size awaits them.
const gcPauses: PerformanceEntry[] = [];
const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries()));
gcObserver.observe({ entryTypes: ["gc"] });
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let previous: { n: number; p50: number } | undefined;
for (const n of sizes()) {
  const tables = new FleetTables();
  const members = fleet(n, tables);
  gc();
  const scheduler = new Scheduler({ reservations: new Reservations(), now: () => Date.now() });
  const runs = Math.max(200, Math.min(1000, Math.round(400_000 / n)));
  const times: number[] = [];
  const cpu: number[] = [];
  let chosen = "";
  let timedFrom = Number.POSITIVE_INFINITY;
  // Warm-up: at least 10 decisions and 300 ms, so the timed ones run optimized code.
  const warmUntil = performance.now() + 300;
  let warm = 0;
  for (; warm < 10 || performance.now() < warmUntil; warm++) {
    scheduler.decide(candidates(members, tables), demand, {
      policy: "worst-fit",
      predictive: false,
    });
  }
  for (let r = 0; r < runs; r++) {
    if (r === 0) timedFrom = performance.now();
    const policy = (["worst-fit", "best-fit", "traffic-most"] as const)[r % 3] ?? "worst-fit";
    const clusters = candidates(members, tables);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const d = scheduler.decide(clusters, demand, { policy, predictive: false });
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    times.push(dt);
    cpu.push((c.user + c.system) / 1000);
    chosen = d.chosen?.name ?? "none";
  }
  const timedTo = performance.now();
  // The observer is called from a later turn of the loop than setImmediate's.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const gcMs = gcPauses
    .filter((e) => e.startTime >= timedFrom && e.startTime <= timedTo)
    .reduce((sum, e) => sum + e.duration, 0);
  gcPauses.length = 0;
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(3).padStart(8);
  const p50 = pct(cpu, 0.5);
  // The step's time ratio over its size ratio: 1.00 is exactly linear.
  const growth = previous ? (p50 / previous.p50 / (n / previous.n)).toFixed(2) : "";
  console.log(
    `${String(n).padStart(8)} ${String(n * 10).padStart(6)} ${String(runs).padStart(6)} ${f(pct(times, 0.5))} ${f(pct(times, 0.99))} ${f(p50)} ${f(pct(cpu, 0.99))} ${((p50 * 1000) / n).toFixed(2).padStart(12)} ${growth.padStart(18)} ${(gcMs / runs).toFixed(3).padStart(16)}   ${chosen}`,
  );
  previous = { n, p50 };
}
gcObserver.disconnect();
