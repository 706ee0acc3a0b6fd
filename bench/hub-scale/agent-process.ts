// Simulated agents: real HubLink instances, each with its own channel
// (grpc.use_local_subchannel_pool), a static 3-node report and the default
// backoff (1 s doubling to 30 s, full jitter). Driven over IPC.
import {
  type CredentialStore,
  HubLink,
  type ReportSource,
  type SavedCredential,
} from "@smart-orchestrator/edge-agent";
import { createLogger } from "@smart-orchestrator/shared";
import { threeNodeReport } from "./cluster-report.js";
import type { AgentRequest, AgentTick } from "./protocol.js";

class MemoryCredentials implements CredentialStore {
  readonly location = "memory (bench)";
  #saved: SavedCredential | undefined;
  constructor(saved?: SavedCredential) {
    this.#saved = saved;
  }
  async load() {
    return this.#saved;
  }
  async save(c: SavedCredential) {
    this.#saved = c;
  }
}

// One report object shared by every link of this process: it never changes.
const report = threeNodeReport();
const reports: ReportSource = { latest: () => report, onChange: () => () => {} };
const log = createLogger({ name: "bench-agent", level: "silent" });
const hello = async () => ({
  agentVersion: "0.1.0",
  kubernetesVersion: "v1.31.4+k3s1",
  distribution: "k3s",
  cni: "flannel",
  architectures: ["amd64"],
});

const links: HubLink[] = [];
const runs: Promise<void>[] = [];
let ticker: NodeJS.Timeout | undefined;

function tick(): void {
  let attempts = 0;
  let connected = 0;
  for (const l of links) {
    attempts += l.attempts;
    if (l.state === "connected") connected++;
  }
  const t: AgentTick = {
    type: "tick",
    at: Date.now(),
    attempts,
    connected,
    started: links.length,
    rssBytes: process.memoryUsage().rss,
  };
  process.send?.(t);
}

process.on("message", async (m: AgentRequest) => {
  if (m.type === "start") {
    ticker = setInterval(tick, 1000);
    const batch = Math.max(1, Math.round(m.ratePerSecond / 20));
    for (let i = 0; i < m.seats.length; i += batch) {
      for (const seat of m.seats.slice(i, i + batch)) {
        const link = new HubLink({
          hub: m.hub,
          token: seat.token,
          caHash: m.caHash,
          insecure: m.insecure,
          credentials: new MemoryCredentials(
            seat.credential ? { clusterId: seat.uid, credential: seat.credential } : undefined,
          ),
          hello,
          reports,
          log,
          channelOptions: { "grpc.use_local_subchannel_pool": 1 },
        });
        links.push(link);
        runs.push(link.run());
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } else if (m.type === "stop") {
    clearInterval(ticker);
    for (const l of links) l.stop();
    await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(r, 5000))]);
    process.exit(0);
  }
});
