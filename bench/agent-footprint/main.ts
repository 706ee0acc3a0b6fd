// Agent footprint benchmark: idle RSS and CPU of ONE edge agent process on a
// simulated 3-node cluster, joined to a real control plane over TLS, with the
// dev launcher (tsx), the bundle, and the V8 flags we ship. "Idle" is the
// steady state after the agent has joined and its reports carry usage with
// rates. Prints figures; asserts nothing.
//
//   npm run bench -- agent-footprint
//   FOOTPRINT_SECONDS=60   sampling window per run (default 60)
//   FOOTPRINT_RUNS=all     also the V8 flag matrix (default: headline runs only)
//   FOOTPRINT_MATCH=re     only the agent runs whose label matches
//   FOOTPRINT_NODE=path    run on this Node binary (npm run runtimes installs 22 and 24)
//   FOOTPRINT_DEPLOY=0     skip the second window, after the agent applied
//                          FOOTPRINT_RELEASES raw-manifest enablers (default 20, each a
//                          ConfigMap, a Deployment and a Service) that it then holds and
//                          repairs: drift checks every FOOTPRINT_REPAIR_SECONDS (default 5,
//                          the agent's minimum; 60 is its default), and a Deployment deleted
//                          by hand every 10 s of the window, which must come back
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startSimulatorProcess } from "@smart-orchestrator/kube-simulator";
import { startTestPlane } from "../../control-plane/src/testing/test-plane.js";
import { readProc } from "./proc-sample.js";
import { type AgentRun, agentRuns, type Baseline, baselines, node, root } from "./runs.js";

const seconds = Number(process.env.FOOTPRINT_SECONDS ?? 60);
const baselineSeconds = Math.min(seconds, 10);
const all = process.env.FOOTPRINT_RUNS === "all";
// FOOTPRINT_MATCH=<regex> keeps only the agent runs whose label matches.
const match = process.env.FOOTPRINT_MATCH ? new RegExp(process.env.FOOTPRINT_MATCH) : undefined;
const deploy = process.env.FOOTPRINT_DEPLOY !== "0";
const releaseCount = Number(process.env.FOOTPRINT_RELEASES ?? 20);
const repairSeconds = Number(process.env.FOOTPRINT_REPAIR_SECONDS ?? 5);
const spec = (name: string) => `name=${name},nodes=3`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  readonly label: string;
  readonly rssMedian: number;
  readonly rssMax: number;
  /** % of one core, the process itself. */
  readonly cpu: number;
  /** % of one core including exited children (systeminformation's `df` and friends). */
  readonly cpuWithChildren: number;
  readonly threads: number;
  /** RSS of live child processes (tsx's esbuild service). */
  readonly childrenRss: number;
}

const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${mb(totalmem())} MB RAM, ` +
    `Linux ${release()}, node ${execFileSync(node, ["--version"], { encoding: "utf8" }).trim()} (${node}), ${new Date().toISOString()}`,
);
console.log(
  `window: ${seconds} s per agent run, sampled every second; baselines ${baselineSeconds} s`,
);

execFileSync(process.execPath, [join(root, "scripts", "build-agent.mjs")], { stdio: "inherit" });

const work = mkdtempSync(join(tmpdir(), "so-bench-footprint-"));
const plane = await startTestPlane();
const results: Figures[] = [];
try {
  console.log("\nbaselines (no hub, no cluster):");
  for (const b of baselines) {
    try {
      results.push(await measureBaseline(b));
    } catch (err) {
      console.log(`  ${b.label}: FAILED: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  console.log("\nagent runs (3-node simulated cluster, joined over TLS, reporting every 10 s):");
  const runs = agentRuns.filter((r) => (all || r.headline) && (!match || match.test(r.label)));
  for (const [i, run] of runs.entries()) {
    try {
      results.push(...(await measureAgent(run, i)));
    } catch (err) {
      // A flag set this Node refuses (or that breaks the agent) is a finding, not the end of the run.
      console.log(
        `  ${run.label}: FAILED: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`,
      );
    }
  }
} finally {
  await plane.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(
  "\n| run | RSS median (MB) | RSS max (MB) | CPU % of one core | incl. children | threads |",
);
console.log("|---|---|---|---|---|---|");
for (const r of results) {
  const extra = r.childrenRss ? ` (+${mb(r.childrenRss)} MB in child processes)` : "";
  console.log(
    `| ${r.label} | ${mb(r.rssMedian)}${extra} | ${mb(r.rssMax)} | ` +
      `${r.cpu.toFixed(2)} | ${r.cpuWithChildren.toFixed(2)} | ${r.threads} |`,
  );
}

async function measureBaseline(b: Baseline): Promise<Figures> {
  const proc = spawn(b.argv[0] ?? "", b.argv.slice(1), {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await firstLine(proc, 30_000);
    await sleep(1_000);
    if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}`);
    const f = await sample(b.label, proc.pid ?? 0, baselineSeconds);
    print(f);
    return f;
  } finally {
    await stop(proc);
  }
}

/** One small raw-manifest release: a ConfigMap, a Deployment and a Service. */
function benchManifests(k: number): object[] {
  const labels = { app: `web-${k}` };
  return [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cfg-${k}` }, data: { k: String(k) } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `web-${k}` },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "app",
                image: "nginx",
                resources: { requests: { cpu: "10m", memory: "16Mi" } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `web-${k}` },
      spec: { selector: labels, ports: [{ port: 80 }] },
    },
  ];
}

async function measureAgent(run: AgentRun, i: number): Promise<Figures[]> {
  const name = `bench-${i}`;
  const created = await plane.api("POST", "/clusters", {
    body: { name, description: "footprint" },
  });
  if (created.status !== 201)
    throw new Error(`POST /clusters: ${created.status} ${JSON.stringify(created.body)}`);
  const { uid } = created.body as { uid: string };
  const token = created.body.join.token as string;
  const caHash = /--ca-hash[ =](sha256:[0-9a-f]{64})/.exec(created.body.join.command)?.[1];
  if (!caHash) throw new Error("no --ca-hash in the join command");
  const stateDir = mkdtempSync(join(work, `${name}-state-`));
  const common = ["--hub", `localhost:${plane.plane.grpcPort}`, "--token", token];
  const args = [...common, "--ca-hash", caHash, "--state-dir", stateDir];

  // The simulator runs as its own process (kube-simulator), so the agent's figures are its own.
  const sim = await startSimulatorProcess({
    cluster: spec(name),
    kubeconfig: join(work, `${name}.kubeconfig`),
    stderr: "inherit",
  });
  // Simulated kubelets are not reachable at their InternalIPs: read the summary via the API server.
  args.push("--kubeconfig", sim.kubeconfig, "--stats-source", "proxy");

  const logFile = join(work, `${name}.log`);
  const log = createWriteStream(logFile);
  const agent = spawn(run.argv[0] ?? "", [...run.argv.slice(1), ...args], {
    cwd: root,
    env: { ...process.env, EDGE_AGENT_NODE: node, SO_REPAIR_INTERVAL: String(repairSeconds) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout?.pipe(log);
  agent.stderr?.pipe(log);
  try {
    const t0 = Date.now();
    // Joined, and the reports carry usage with network rates (two kubelet summaries).
    await until(async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited: ${tail(logFile)}`);
      const nodes = (await plane.api("GET", `/clusters/node/${uid}`)).body as {
        usage?: { networkRxBytesPerSecond?: number };
      }[];
      return (
        nodes.length === 3 && nodes.every((n) => n.usage?.networkRxBytesPerSecond !== undefined)
      );
    }, 90_000);
    const readyMs = Date.now() - t0;
    const f = await sample(run.label, agent.pid ?? 0, seconds);
    const view = (await plane.api("GET", `/clusters/${uid}`)).body as { status?: string };
    const nodes = (await plane.api("GET", `/clusters/node/${uid}`)).body as unknown[];
    print(
      f,
      `ready in ${(readyMs / 1000).toFixed(1)} s; after: ${view.status}, ${nodes.length} nodes`,
    );
    if (!deploy) return [f];
    // The same agent holding releases: the apply engine used, then drift checks and repairs.
    const t1 = Date.now();
    const ids: string[] = [];
    for (let k = 0; k < releaseCount; k++) {
      const posted = await plane.api("POST", "/enabler", {
        body: {
          name: `footprint-${k}`,
          cluster: uid,
          namespace: "bench",
          manifests: benchManifests(k),
          timeout: "2m0s",
        },
      });
      if (posted.status !== 201)
        throw new Error(`POST /enabler: ${posted.status} ${JSON.stringify(posted.body)}`);
      ids.push((posted.body as { uid: string }).uid);
    }
    let rssDuring = 0;
    await until(async () => {
      rssDuring = Math.max(rssDuring, readProc(agent.pid ?? 0).rssBytes);
      for (const id of ids) {
        const e = (await plane.api("GET", `/enabler/${id}`)).body as {
          status?: string;
          reason?: string;
        };
        if (e.status === "Error") throw new Error(`enabler failed: ${e.reason}`);
        if (e.status !== "Enabled") return false;
      }
      return true;
    }, 300_000);
    const deployMs = Date.now() - t1;
    // A person deletes one Deployment every 10 s; each must be back by the end of the window.
    const deletedByHand: string[] = [];
    const vandal = setInterval(() => {
      const k = deletedByHand.length % releaseCount;
      deletedByHand.push(`web-${k}`);
      void fetch(`${sim.url}/apis/apps/v1/namespaces/bench/deployments/web-${k}`, {
        method: "DELETE",
      });
    }, 10_000);
    let g: Figures;
    try {
      g = await sample(
        `${run.label}, holding ${releaseCount} releases, repairs every ${repairSeconds} s`,
        agent.pid ?? 0,
        seconds,
      );
    } finally {
      clearInterval(vandal);
    }
    await until(
      async () => {
        for (const name of new Set(deletedByHand)) {
          const r = await fetch(`${sim.url}/apis/apps/v1/namespaces/bench/deployments/${name}`);
          if (r.status !== 200) return false;
        }
        return true;
      },
      (repairSeconds + 30) * 1000,
    );
    const repairs = readFileSync(logFile, "utf8")
      .split("\n")
      .filter((l) => l.includes('"drift repaired"')).length;
    print(
      g,
      `${releaseCount} Enabled in ${(deployMs / 1000).toFixed(1)} s; RSS max while applying ${mb(rssDuring)} MB; ` +
        `${deletedByHand.length} Deployments deleted by hand, all back; ${repairs} repairs logged`,
    );
    return [f, g];
  } finally {
    await stop(agent);
    await sim.stop();
  }
}

/** Samples RSS every second for `secs`; CPU over the whole window. */
async function sample(label: string, pid: number, secs: number): Promise<Figures> {
  const first = readProc(pid);
  const t0 = process.hrtime.bigint();
  const rss: number[] = [];
  const children: number[] = [];
  let last = first;
  for (let s = 0; s < secs; s++) {
    await sleep(1_000);
    last = readProc(pid);
    rss.push(last.rssBytes);
    children.push(last.descendantsRssBytes);
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuSelf = last.cpuSeconds - first.cpuSeconds;
  const cpuKids = last.childCpuSeconds - first.childCpuSeconds;
  return {
    label,
    rssMedian: median(rss),
    rssMax: Math.max(...rss),
    cpu: (cpuSelf / elapsed) * 100,
    cpuWithChildren: ((cpuSelf + cpuKids) / elapsed) * 100,
    threads: last.threads,
    childrenRss: median(children),
  };
}

function print(f: Figures, extra = ""): void {
  console.log(
    `  ${f.label}: RSS median ${mb(f.rssMedian)} MB, max ${mb(f.rssMax)} MB` +
      `${f.childrenRss ? ` (+${mb(f.childrenRss)} MB in child processes)` : ""}, ` +
      `CPU ${f.cpu.toFixed(2)}% of one core (${f.cpuWithChildren.toFixed(2)}% with exited children), ` +
      `${f.threads} threads${extra ? `; ${extra}` : ""}`,
  );
}

function firstLine(proc: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no output from child")), timeoutMs);
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    proc.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("agent did not join and report in time");
    await sleep(250);
  }
}

function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    proc.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

function tail(file: string): string {
  return readFileSync(file, "utf8").split("\n").slice(-5).join("\n");
}
