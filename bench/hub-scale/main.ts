// Hub-scale benchmark: N simulated agents (real HubLinks, each on its own
// channel, a static 3-node report every 10 s) spread over several child
// processes, against ONE hub (a real control plane on the embedded SQLite
// store) in its own child process. Per N it prints the hub's CPU and RSS in
// steady state, reports/s, report-handling latency, the cost of a history
// bucket boundary, and the time and connection-attempt rate of a full
// reconnect after the hub is killed and restarted. Prints; asserts nothing.
//
//   npm run bench -- hub-scale                       (defaults below)
//   HUB_SCALE_N=1000,5000 npm run bench -- hub-scale
//   node --import tsx bench/hub-scale/main.ts --n 1000 --tls-n 0 --window 30
//
// Settings (argv flag / env): --n HUB_SCALE_N (plaintext runs, default
// 1000,5000,10000 then +5000 while it holds and the time budget allows),
// --tls-n HUB_SCALE_TLS_N (TLS runs, default 1000), --window HUB_SCALE_WINDOW_S
// (steady-state seconds, default 60), --budget HUB_SCALE_BUDGET_S (default
// 1140), --profile HUB_SCALE_PROFILE (folder: CPU profile of each steady window).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { benchAdminToken } from "./admin-token.js";
import { AgentChild, HubChild } from "./children.js";
import type { AgentSeat, HubStats } from "./protocol.js";
import { fmt, histogramQuantile } from "./stats.js";

function setting(flag: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(flag);
  return (i >= 0 ? process.argv[i + 1] : undefined) ?? process.env[env] ?? fallback;
}
const list = (s: string) =>
  s
    .split(",")
    .map((x) => Number(x.trim()))
    .filter((x) => x > 0);
const explicitN = setting("--n", "HUB_SCALE_N", "");
const plainNs = explicitN ? list(explicitN) : [1000, 5000, 10000];
const tlsNs = list(setting("--tls-n", "HUB_SCALE_TLS_N", "1000"));
const windowS = Number(setting("--window", "HUB_SCALE_WINDOW_S", "60"));
const budgetMs = Number(setting("--budget", "HUB_SCALE_BUDGET_S", "1140")) * 1000;
const profileDir = setting("--profile", "HUB_SCALE_PROFILE", "");
const agentsPerProcess = 2500;
const restMaxN = Number(setting("--rest-max", "HUB_SCALE_REST_MAX", "1000"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const began = Date.now();

const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${fmt.mb(totalmem())} RAM, ` +
    `Linux ${release()}, node ${process.version}; date ${new Date().toISOString()}`,
);
console.log(
  `plan: TLS N=${tlsNs.join(",") || "-"}; plaintext N=${plainNs.join(",")}` +
    `${explicitN ? "" : " then +5000 while it holds"}; steady window ${windowS} s; ` +
    `${agentsPerProcess} agents per process; budget ${fmt.s(budgetMs)}`,
);

interface Result {
  n: number;
  tls: boolean;
  registerMs: number;
  connectMs: number;
  cpuPct: number;
  sysPct: number;
  rss: number;
  heap: number;
  reportsPerS: number;
  p50?: number;
  p99?: { value: number; lower: number; upper: number };
  loopP99: number;
  loopMax: number;
  flush?: { writes: number; ms: number; cpuPct: number; loopMax: number };
  reconnect?: { bootMs: number; allBackMs: number; peakAttempts: number; attemptsTotal: number };
  rssAfter?: number;
  ok: boolean;
  note?: string;
  durationMs: number;
}

async function register(url: string, n: number): Promise<AgentSeat[]> {
  const seats: AgentSeat[] = new Array(n);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const res = await fetch(`${url}/clusters`, {
        method: "POST",
        headers: { authorization: `Bearer ${benchAdminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: `edge-${i}` }),
      });
      const body = (await res.json()) as { uid: string; join: { token: string } };
      if (res.status !== 201)
        throw new Error(`POST /clusters: ${res.status} ${JSON.stringify(body)}`);
      seats[i] = { uid: body.uid, token: body.join.token };
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return seats;
}

async function waitSessions(hub: HubChild, n: number, timeoutMs: number, onPoll?: () => void) {
  const start = Date.now();
  for (;;) {
    const s = await hub.stats();
    onPoll?.();
    if (s.sessions >= n) return Date.now() - start;
    if (Date.now() - start > timeoutMs)
      throw new Error(`only ${s.sessions}/${n} sessions after ${fmt.s(timeoutMs)}`);
    await sleep(250);
  }
}

const totalAttempts = (agents: AgentChild[]) =>
  agents.reduce((a, c) => a + (c.last?.attempts ?? 0), 0);

async function run(n: number, tls: boolean): Promise<Result> {
  const t0 = Date.now();
  const mode = tls ? "TLS" : "plaintext (--insecure)";
  console.log(`\n--- N=${n}, ${mode} ---`);
  const dataDir = mkdtempSync(join(tmpdir(), "so-bench-hub-"));
  // Small runs register through REST and join with tokens (the real first-join path); large
  // runs seed already-joined clusters through the store API before the hub starts (fast).
  const viaRest = n <= restMaxN;
  let hub = new HubChild({ dataDir, grpcPort: 0, tls, seedN: viaRest ? 0 : n });
  const agents: AgentChild[] = [];
  const r: Result = {
    n,
    tls,
    registerMs: 0,
    connectMs: 0,
    cpuPct: 0,
    sysPct: 0,
    rss: 0,
    heap: 0,
    reportsPerS: 0,
    loopP99: 0,
    loopMax: 0,
    ok: false,
    durationMs: 0,
  };
  try {
    const ready = await hub.ready;
    const url = `http://127.0.0.1:${ready.httpPort}`;
    const hubAddress = `${tls ? "localhost" : "127.0.0.1"}:${ready.grpcPort}`;

    let seats: AgentSeat[];
    if (viaRest) {
      let t = Date.now();
      seats = await register(url, n);
      r.registerMs = Date.now() - t;
      console.log(
        `registered ${n} clusters through POST /clusters (16 in flight) in ${fmt.s(r.registerMs)}; agents join with their tokens`,
      );
      t = Date.now();
      await hub.ask({ type: "seedHistory", clusterIds: seats.map((s) => s.uid), points: 144 });
      console.log(
        `seeded ${n} mid-day history documents (144 points each) in ${fmt.s(Date.now() - t)}`,
      );
    } else {
      seats = ready.seats;
      r.registerMs = ready.seedMs;
      console.log(
        `seeded ${n} joined clusters (credential issued) and their mid-day history (144 points) through the store API in ${fmt.s(ready.seedMs)}`,
      );
    }

    const processes = Math.ceil(n / agentsPerProcess);
    const ramp = tls ? 250 : 1000;
    for (let i = 0; i < processes; i++) {
      const child = new AgentChild();
      agents.push(child);
      child.start({
        hub: hubAddress,
        insecure: !tls,
        caHash: ready.caHash,
        seats: seats.slice(i * agentsPerProcess, (i + 1) * agentsPerProcess),
        ratePerSecond: ramp / processes,
      });
    }
    r.connectMs = await waitSessions(hub, n, Math.max(120_000, (n / ramp) * 3000));
    console.log(
      `${n} agents in ${processes} processes started at ~${ramp}/s (${viaRest ? "join: token → credential" : "saved credential"}): all sessions up after ${fmt.s(r.connectMs)}`,
    );

    await sleep(12_000); // every agent has reported at least once; join writes are done
    if (profileDir) await hub.ask({ type: "profile", action: "start" });
    const s0 = await hub.stats(true);
    const w0 = Date.now();
    await sleep(windowS * 1000);
    const s1 = await hub.stats(true);
    const wallS = (Date.now() - w0) / 1000;
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      const file = join(profileDir, `hub-${tls ? "tls" : "plain"}-${n}.cpuprofile`);
      await hub.ask({ type: "profile", action: "stop", file });
      console.log(`CPU profile of the window: ${file}`);
    }
    r.cpuPct = ((s1.cpuMicros - s0.cpuMicros) / 1e6 / wallS) * 100;
    r.sysPct = ((s1.cpuSystemMicros - s0.cpuSystemMicros) / 1e6 / wallS) * 100;
    r.rss = s1.rssBytes;
    r.heap = s1.heapUsedBytes;
    const h0 = s0.handle;
    const h1 = s1.handle;
    if (h0 && h1) {
      r.reportsPerS = (h1.count - h0.count) / wallS;
      r.p50 = histogramQuantile(0.5, h0.buckets, h1.buckets)?.value;
      r.p99 = histogramQuantile(0.99, h0.buckets, h1.buckets);
    }
    r.loopP99 = s1.loopDelayP99Ms;
    r.loopMax = s1.loopDelayMaxMs;
    console.log(
      `steady ${wallS.toFixed(0)} s: hub CPU ${fmt.pct(r.cpuPct)} of one core (${fmt.pct(r.sysPct)} in the kernel), RSS ${fmt.mb(r.rss)} ` +
        `(heap ${fmt.mb(r.heap)}), ${r.reportsPerS.toFixed(0)} reports/s, handling p50 ${r.p50 !== undefined ? fmt.us(r.p50) : "-"} ` +
        `p99 ${r.p99 ? `${fmt.us(r.p99.value)} (bucket ${fmt.us(r.p99.lower)}–${fmt.us(r.p99.upper)})` : "-"}; ` +
        `event-loop delay p99 ${r.loopP99.toFixed(1)} ms, max ${r.loopMax.toFixed(1)} ms`,
    );

    // A bucket boundary: every cluster's 5-minute point is written (one day-document update each).
    const b0 = await hub.stats();
    const bt = Date.now();
    await hub.ask({ type: "jumpClock", ms: 5 * 60_000 });
    let b1: HubStats = b0;
    let burstLoopMax = 0;
    while (b1.historyWrites - b0.historyWrites < n && Date.now() - bt < 60_000) {
      await sleep(250);
      b1 = await hub.stats();
      burstLoopMax = Math.max(burstLoopMax, b1.loopDelayMaxMs);
    }
    const bMs = Date.now() - bt;
    r.flush = {
      writes: b1.historyWrites - b0.historyWrites,
      ms: bMs,
      cpuPct: ((b1.cpuMicros - b0.cpuMicros) / 1e3 / bMs) * 100,
      loopMax: burstLoopMax,
    };
    console.log(
      `history bucket boundary (clock moved 5 min): ${r.flush.writes} point writes into 144-point day documents ` +
        `done ${fmt.s(bMs)} after the boundary (spread by the 10 s report phase); hub CPU ${fmt.pct(r.flush.cpuPct)} ` +
        `over that time, event-loop delay max ${r.flush.loopMax.toFixed(1)} ms`,
    );

    // Restart: kill -9 the hub, start a new one on the same port and data dir, count until all are back.
    const grpcPort = ready.grpcPort;
    const attemptsBefore = totalAttempts(agents);
    const killAt = Date.now();
    hub.proc.kill("SIGKILL");
    await hub.exited;
    hub = new HubChild({ dataDir, grpcPort, tls, seedN: 0 });
    const back = await hub.ready;
    const bootMs = Date.now() - killAt;
    const series: { at: number; attempts: number }[] = [{ at: killAt, attempts: attemptsBefore }];
    let lastSample = 0;
    const allBackMs =
      (await waitSessions(hub, n, 150_000, () => {
        if (Date.now() - lastSample >= 1000) {
          lastSample = Date.now();
          series.push({ at: lastSample, attempts: totalAttempts(agents) });
        }
      })) + bootMs;
    await sleep(1500);
    series.push({ at: Date.now(), attempts: totalAttempts(agents) });
    const perSecond: number[] = [];
    for (let i = 1; i < series.length; i++) {
      const a = series[i - 1];
      const b = series[i];
      if (a && b) perSecond.push((b.attempts - a.attempts) / Math.max(0.001, (b.at - a.at) / 1000));
    }
    const attemptsTotal = totalAttempts(agents) - attemptsBefore;
    r.reconnect = { bootMs, allBackMs, peakAttempts: Math.max(0, ...perSecond), attemptsTotal };
    console.log(
      `restart: new hub listening ${fmt.s(bootMs)} after kill -9 (boot ${fmt.s(back.bootMs)}); all ${n} sessions back ` +
        `${fmt.s(allBackMs)} after the kill; ${attemptsTotal} stream attempts (${(attemptsTotal / n).toFixed(2)} per agent), ` +
        `peak ${r.reconnect.peakAttempts.toFixed(0)}/s`,
    );
    console.log(
      `  attempts per second since the kill: ${perSecond.map((x) => x.toFixed(0)).join(" ")}`,
    );
    const after = await hub.stats();
    r.rssAfter = after.rssBytes;
    r.ok = true;
  } catch (err) {
    r.note = (err as Error).message;
    console.log(`run failed: ${r.note}`);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    if (hub.proc.exitCode === null) {
      await Promise.race([hub.ask({ type: "close" }).catch(() => {}), sleep(10_000)]);
      hub.proc.kill("SIGKILL");
    }
    rmSync(dataDir, { recursive: true, force: true });
    r.durationMs = Date.now() - t0;
    console.log(`run took ${fmt.s(r.durationMs)}`);
  }
  return r;
}

const results: Result[] = [];
for (const n of tlsNs) results.push(await run(n, true));
let last: Result | undefined;
for (let i = 0; ; i++) {
  const n =
    plainNs[i] ?? (explicitN ? undefined : (plainNs.at(-1) ?? 0) + 5000 * (i - plainNs.length + 1));
  if (n === undefined) break;
  const beyond = i >= plainNs.length;
  if (beyond && (!last?.ok || last.rss > 2 * 2 ** 30)) {
    console.log(
      `\nstopping: N=${last?.n} did not hold (${last?.note ?? `RSS ${fmt.mb(last?.rss ?? 0)}`})`,
    );
    break;
  }
  const estimate = last ? (last.durationMs * n) / last.n : 0;
  if (beyond && Date.now() - began + estimate > budgetMs) {
    console.log(
      `\nstopping before N=${n}: it would take ~${fmt.s(estimate)}, past the ${fmt.s(budgetMs)} budget`,
    );
    break;
  }
  last = await run(n, false);
  results.push(last);
}

console.log("\nsummary (hub process only; CPU % of one core over the steady window)");
console.log(
  "| N | mode | hub CPU | hub RSS | reports/s | handle p50 | handle p99 | loop delay p99 | all back after restart | peak attempts/s |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const x of results) {
  console.log(
    `| ${x.n} | ${x.tls ? "TLS" : "plaintext"} | ${fmt.pct(x.cpuPct)} | ${fmt.mb(x.rss)} | ${x.reportsPerS.toFixed(0)} | ` +
      `${x.p50 !== undefined ? fmt.us(x.p50) : "-"} | ${x.p99 ? fmt.us(x.p99.value) : "-"} | ${x.loopP99.toFixed(1)} ms | ` +
      `${x.reconnect ? fmt.s(x.reconnect.allBackMs) : (x.note ?? "-")} | ${x.reconnect ? x.reconnect.peakAttempts.toFixed(0) : "-"} |`,
  );
}
console.log(`total ${fmt.s(Date.now() - began)}`);
