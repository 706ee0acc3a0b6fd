// Credential-cluster benchmark: the memory of the ONE child process that
// hosts the agents of every cluster registered with credentials, for 1, 10
// and 50 such clusters. The control plane runs in this process; the host is
// the bundled agent through edge-agent/bin/edge-agent (built first), as
// `npm start` runs it. Every cluster's kubeconfig points at one simulated
// 3-node cluster (a `kube-simulator` process), so each hosted agent keeps its
// own informers, link and reports. Prints figures; asserts nothing.
//
//   npm run bench -- credential-clusters
//   CREDENTIAL_COUNTS=1,10,50   cluster counts (default)
//   CREDENTIAL_SECONDS=30       sampling window per count (default 30)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { startSimulatorProcess } from "@smart-orchestrator/kube-simulator";
import { startTestPlane } from "../../control-plane/src/testing/test-plane.js";
import { readProc } from "../agent-footprint/proc-sample.js";

const root = join(import.meta.dirname, "..", "..");
const counts = (process.env.CREDENTIAL_COUNTS ?? "1,10,50").split(",").map(Number);
const seconds = Number(process.env.CREDENTIAL_SECONDS ?? 30);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${mb(totalmem())} MB RAM, ` +
    `Linux ${release()}, node ${process.version}, ${new Date().toISOString()}`,
);
execFileSync(process.execPath, [join(root, "scripts", "build-agent.mjs")], { stdio: "inherit" });

const sim = await startSimulatorProcess({ cluster: "name=shared,nodes=3" });
const kubeconfig = JSON.parse(readFileSync(sim.kubeconfig, "utf8")) as Record<string, unknown>;
interface Row {
  n: number;
  readySeconds: number;
  rssMedian: number;
  rssMax: number;
  cpu: number;
  threads: number;
}
const rows: Row[] = [];
try {
  for (const n of counts) rows.push(await measure(n));
} finally {
  await sim.stop();
}

console.log(
  "\n| credential clusters | host processes | RSS median (MB) | RSS max (MB) | per cluster (MB) | CPU % of one core | ready in |",
);
console.log("|---|---|---|---|---|---|---|");
const one = rows.find((r) => r.n === 1);
for (const r of rows) {
  const per = one && r.n > 1 ? `+${mb((r.rssMedian - one.rssMedian) / (r.n - 1))}` : "-";
  console.log(
    `| ${r.n} | 1 | ${mb(r.rssMedian)} | ${mb(r.rssMax)} | ${per} | ${r.cpu.toFixed(2)} | ${r.readySeconds.toFixed(1)} s |`,
  );
}

async function measure(n: number): Promise<Row> {
  const plane = await startTestPlane({ env: { SO_ALLOW_HTTP_CLUSTERS: "true" } });
  try {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const res = await plane.api("POST", "/clusters", {
        body: { name: `cred-${i}`, credentials: kubeconfig },
      });
      if (res.status !== 201) throw new Error(`POST /clusters: ${res.status}`);
    }
    // Every cluster Enabled and reporting its three nodes.
    for (;;) {
      const list = (await plane.api("GET", "/clusters")).body as { uid: string; status: string }[];
      const enabled = list.filter((c) => c.status === "Enabled");
      if (enabled.length === n) {
        const counts = await Promise.all(
          enabled.map(
            async (c) =>
              ((await plane.api("GET", `/clusters/node/${c.uid}`)).body as unknown[]).length,
          ),
        );
        if (counts.every((x) => x === 3)) break;
      }
      if (Date.now() - t0 > 300_000) throw new Error(`${n} clusters not ready after 300 s`);
      await sleep(500);
    }
    const readySeconds = (Date.now() - t0) / 1000;
    const pid = plane.plane.managedAgents.hostPid();
    if (!pid) throw new Error("no host process");
    const first = readProc(pid);
    const t1 = process.hrtime.bigint();
    const rss: number[] = [];
    let last = first;
    for (let s = 0; s < seconds; s++) {
      await sleep(1_000);
      last = readProc(pid);
      rss.push(last.rssBytes);
    }
    const elapsed = Number(process.hrtime.bigint() - t1) / 1e9;
    const row = {
      n,
      readySeconds,
      rssMedian: median(rss),
      rssMax: Math.max(...rss),
      cpu: ((last.cpuSeconds - first.cpuSeconds) / elapsed) * 100,
      threads: last.threads,
    };
    console.log(
      `  ${n} credential clusters in one host (pid ${pid}): RSS median ${mb(row.rssMedian)} MB, ` +
        `max ${mb(row.rssMax)} MB, CPU ${row.cpu.toFixed(2)}% of one core, ${row.threads} threads; ` +
        `all Enabled with 3 nodes after ${readySeconds.toFixed(1)} s`,
    );
    return row;
  } finally {
    await plane.close();
  }
}
