// Deploy latency: the time from POST /enabler to Enabled for a raw-manifest
// enabler of 5 objects on a simulated cluster whose workloads are ready at
// once, taken from the enabler's recorded status moves (request arrival →
// the Enabled move), never from the polling that waits for it. Then 100
// enablers across 20 clusters at once. The control plane runs here; the agents
// and simulators run in a child process. Prints figures; asserts nothing.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { arch, cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { createControlPlane, loadConfig } from "@smart-orchestrator/control-plane";
import { createLogger } from "@smart-orchestrator/shared";
import { webManifests } from "../../tests/support/enabler-harness.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const sequential = flag("deploys", 200);
const burst = flag("burst", 100);
const clusters = flag("clusters", 20);

/** The machine is shared: every figure is printed with the load average it was taken under. */
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")} (1, 5, 15 min)`;
const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `${type()} ${release()} ${arch()}, node ${process.version}; ${load()}`,
);

const token = "bench-admin-token-0123456789";
const config = loadConfig(
  {
    SO_PORT: "0",
    SO_GRPC_PORT: "0",
    SO_HOST: "127.0.0.1",
    SO_DATA_DIR: mkdtempSync(join(tmpdir(), "so-bench-deploy-")),
    SO_ADMIN_TOKEN: token,
    SO_INSECURE: "true",
    SO_LOG_LEVEL: "silent",
  },
  [],
);
const plane = await createControlPlane({
  config,
  log: createLogger({ name: "bench", level: "silent" }),
});
const base = `http://127.0.0.1:${plane.httpPort}`;
async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const tokens: string[] = [];
const names: string[] = [];
for (let i = 0; i < clusters; i++) {
  const c = await api("POST", "/clusters", { name: `bench-${i}` });
  tokens.push(c.join.token);
  names.push(`bench-${i}`);
}
// Agents and simulators in child processes, five clusters each, so they do not share our event loop.
const perChild = 5;
const children: ChildProcessByStdio<null, Readable, null>[] = [];
for (let first = 0; first < clusters; first += perChild) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "agents.ts")],
    {
      env: {
        ...process.env,
        BENCH_HUB: `127.0.0.1:${plane.grpcPort}`,
        BENCH_FIRST: String(first),
        BENCH_TOKENS: tokens.slice(first, first + perChild).join(","),
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
}
// The agents die with us, whatever happens below.
process.on("exit", () => {
  for (const c of children) c.kill("SIGTERM");
});
await Promise.all(children.map((c) => once(c.stdout, "data")));
while (plane.sessions.size < clusters) await new Promise((r) => setTimeout(r, 50));

/** The part of each deploy spent before the answer (validate, render, store), from the records. */
const accepted: number[] = [];
/** ms from request arrival to the Enabled move, read from the stored record. */
async function deployMs(id: string): Promise<number> {
  for (;;) {
    const e = await api("GET", `/enabler/${id}`);
    if (e.status === "Enabled") {
      const at = (status: string) =>
        Date.parse(e.moves.find((m: { status: string }) => m.status === status).at);
      accepted.push(at("Deploying") - Date.parse(e.createdAt));
      return at("Enabled") - Date.parse(e.createdAt);
    }
    if (e.status === "Error") throw new Error(`${id}: ${e.statusReason}`);
    // Only decides when the record is read (the times come from it); every poll is a REST call
    // the control plane under test serves, so poll no more often than that needs.
    await new Promise((r) => setTimeout(r, 20));
  }
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const manifests = webManifests();

// Warm-up (JIT, SQLite pages), not counted.
for (let i = 0; i < 5; i++) {
  const { uid } = await api("POST", "/enabler", {
    name: `warm-${i}`,
    namespace: `warm-${i}`,
    cluster: names[0],
    manifests,
  });
  await deployMs(uid);
}

const one: number[] = [];
for (let i = 0; i < sequential; i++) {
  const { uid } = await api("POST", "/enabler", {
    name: `seq-${i}`,
    namespace: `seq-${i}`,
    cluster: names[i % clusters],
    manifests,
  });
  one.push(await deployMs(uid));
}
console.log(
  `deploy latency, ${sequential} deploys one after another (5 objects each): ` +
    `p50 ${pct(one, 50)} ms, p99 ${pct(one, 99)} ms, max ${Math.max(...one)} ms (target p50 < 50 ms, p99 < 200 ms); ` +
    `of which accepted (validated, rendered, stored): p50 ${pct(accepted, 50)} ms, p99 ${pct(accepted, 99)} ms; ${load()}`,
);

const t0 = Date.now();
const ids = await Promise.all(
  Array.from({ length: burst }, (_, i) =>
    api("POST", "/enabler", {
      name: `burst-${i}`,
      namespace: `burst-${i}`,
      cluster: names[i % clusters],
      manifests,
    }).then((r) => r.uid as string),
  ),
);
const each = await Promise.all(ids.map((id) => deployMs(id)));
const details = await Promise.all(ids.map((id) => api("GET", `/enabler/${id}`)));
const first = Math.min(...details.map((d) => Date.parse(d.createdAt)));
const last = Math.max(
  ...details.map((d) =>
    Date.parse(d.moves.find((m: { status: string }) => m.status === "Enabled").at),
  ),
);
console.log(
  `${burst} enablers across ${clusters} clusters at once: all Enabled ${last - first} ms after the first request ` +
    `arrived (wall ${Date.now() - t0} ms incl. polling); per enabler p50 ${pct(each, 50)} ms, p99 ${pct(each, 99)} ms; ${load()}`,
);

for (const c of children) c.kill("SIGTERM");
await Promise.all(children.map((c) => once(c, "exit")));
await plane.close();
