// The hub under test, alone in its own process so that its CPU and RSS are
// measured without the simulated agents: a real control plane
// (createControlPlane) on the embedded SQLite store. Driven over IPC.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createControlPlane, loadConfig } from "@smart-orchestrator/control-plane";
import { createLogger } from "@smart-orchestrator/shared";
import {
  type ClusterDoc,
  clusterCollection,
} from "../../control-plane/src/clusters/cluster-doc.js";
import { hashSecret, randomSecret } from "../../control-plane/src/security/tokens.js";
import { openStore } from "../../control-plane/src/store/open-store.js";
import type { Collection, Store, StoredDoc } from "../../control-plane/src/store/store.js";
import { benchAdminToken } from "./admin-token.js";
import type { AgentSeat, Bucket, HubEvent, HubRequest, HubStats } from "./protocol.js";

const dataDir = process.env.BENCH_DATA_DIR ?? "";
const grpcPort = process.env.BENCH_GRPC_PORT ?? "0";
const tls = process.env.BENCH_TLS === "1";
const send = (m: HubEvent) => process.send?.(m);

const config = loadConfig(
  {
    SO_PORT: "0",
    SO_GRPC_PORT: grpcPort,
    SO_HOST: "127.0.0.1",
    SO_DATA_DIR: dataDir,
    SO_ADMIN_TOKEN: benchAdminToken,
    SO_TLS_SANS: "127.0.0.1,localhost",
    SO_LOG_LEVEL: "warn",
    // Every simulated agent dials from 127.0.0.1; the per-address cap is for real fleets.
    SO_HUB_MAX_CONNECTIONS_PER_SOURCE: "20000",
    SO_HUB_MAX_CONNECTIONS: "20000",
    // A fleet of 10k reconnecting at once takes longer than 30 s to be greeted on two cores.
    SO_HUB_HELLO_TIMEOUT: "2m",
    ...(tls ? {} : { SO_INSECURE: "true" }),
  },
  [],
);

// Count the usage history's store writes through the store the plane is handed.
let historyWrites = 0;
const raw = await openStore(config);
const store: Store = {
  kind: raw.kind,
  ping: () => raw.ping(),
  close: () => raw.close(),
  async collection<T extends StoredDoc>(name: string, options?: object) {
    const coll = await raw.collection<T>(name, options);
    if (name !== "usage_history") return coll;
    const counted: Collection<T> = {
      insert: (doc) => {
        historyWrites++;
        return coll.insert(doc);
      },
      update: (id, v, next) => {
        historyWrites++;
        return coll.update(id, v, next);
      },
      get: (id) => coll.get(id),
      find: (filter, options) => coll.find(filter, options),
      count: (filter) => coll.count(filter),
      delete: (id) => coll.delete(id),
      deleteMany: (filter) => coll.deleteMany(filter),
    };
    return counted;
  },
};

// Seed clusters that have joined before (credential issued and used) and their
// mid-day history, straight through the store API, before the hub starts.
let clockOffset = 0;
const seedN = Number(process.env.BENCH_SEED_N ?? "0");
const seats: AgentSeat[] = [];
const seedStart = performance.now();
if (seedN > 0) {
  const clusters = await raw.collection<ClusterDoc>(
    clusterCollection.name,
    clusterCollection.options,
  );
  const at = new Date().toISOString();
  for (let i = 0; i < seedN; i++) {
    const uid = crypto.randomUUID();
    const credential = `${uid}.${randomSecret(32)}`;
    await clusters.insert({
      _id: uid,
      name: `edge-${i}`,
      description: "",
      cloud: false,
      cni: "flannel",
      status: "Pending",
      credentialHash: hashSecret(credential),
      credentialUsedAt: at,
      createdAt: at,
      updatedAt: at,
    });
    seats.push({ uid, credential });
  }
  await seedHistory(
    seats.map((s) => s.uid),
    144,
  );
}
const seedMs = Math.round(performance.now() - seedStart);

const plane = await createControlPlane({
  config,
  store,
  log: createLogger({ name: "hub", level: "warn" }),
  now: () => new Date(Date.now() + clockOffset),
});
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
send({
  type: "ready",
  httpPort: plane.httpPort,
  grpcPort: plane.grpcPort,
  caHash: plane.caHash,
  bootMs: Math.round(performance.now()),
  seats,
  seedMs,
});

async function handleHistogram(): Promise<HubStats["handle"]> {
  const res = await fetch(`http://127.0.0.1:${plane.httpPort}/metrics`, {
    headers: { authorization: `Bearer ${benchAdminToken}` },
  });
  const text = await res.text();
  const buckets: Bucket[] = [];
  let count = 0;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("so_hub_report_handle_seconds")) continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le)
      buckets.push({ le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), count: value });
    else if (line.startsWith("so_hub_report_handle_seconds_count")) count = value;
    else if (line.startsWith("so_hub_report_handle_seconds_sum")) sum = value;
  }
  return { buckets, count, sum };
}

async function stats(withHistogram: boolean): Promise<HubStats> {
  const handle = withHistogram ? await handleHistogram() : undefined;
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const s: HubStats = {
    cpuMicros: cpu.user + cpu.system,
    cpuSystemMicros: cpu.system,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    sessions: plane.sessions.size,
    historyWrites,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    ...(handle ? { handle } : {}),
  };
  loop.reset();
  return s;
}

/** Mid-day history documents (`points` 5-minute points each), as a hub that has run since midnight holds. */
async function seedHistory(clusterIds: string[], points: number): Promise<void> {
  const coll = await raw.collection<StoredDoc & { points: unknown[] }>("usage_history");
  const now = Date.now() + clockOffset;
  const day = new Date(now).toISOString().slice(0, 10);
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const slotNow = Math.floor((now - dayStart) / 300_000);
  const tuples = Array.from({ length: points }, (_, i) => {
    const slot = (slotNow + 2 + i) % 288; // keep clear of the slots the bench will write
    return [slot, 9150, 18_790_000_000, 55_500, 9000, 18_500_000_000, 61_000, 30];
  }).sort((a, b) => (a[0] as number) - (b[0] as number));
  for (const id of clusterIds) {
    await coll.insert({ _id: `${day}/${id}`, clusterId: id, day, points: tuples } as never);
  }
}

let profiler: Session | undefined;
function post(session: Session, method: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    session.post(method, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

process.on("message", async (m: HubRequest) => {
  try {
    switch (m.type) {
      case "stats":
        return send({ type: "reply", id: m.id, stats: await stats(m.withHistogram) });
      case "seedHistory":
        await seedHistory(m.clusterIds, m.points);
        return send({ type: "reply", id: m.id });
      case "jumpClock":
        clockOffset += m.ms;
        return send({ type: "reply", id: m.id });
      case "profile":
        if (m.action === "start") {
          profiler = new Session();
          profiler.connect();
          await post(profiler, "Profiler.enable");
          await post(profiler, "Profiler.start");
        } else if (profiler && m.file) {
          const { profile } = (await post(profiler, "Profiler.stop")) as { profile: unknown };
          writeFileSync(m.file, JSON.stringify(profile));
          profiler.disconnect();
          profiler = undefined;
        }
        return send({ type: "reply", id: m.id });
      case "close":
        await plane.close();
        send({ type: "reply", id: m.id });
        process.exit(0);
    }
  } catch (err) {
    send({ type: "reply", id: m.id, error: String(err) });
  }
});
