// Messages between the bench orchestrator (main.ts) and its children over
// the IPC channel of child_process.fork.

/** Orchestrator → hub child. */
export type HubRequest =
  | { type: "stats"; id: number; withHistogram: boolean }
  | { type: "seedHistory"; id: number; clusterIds: string[]; points: number }
  | { type: "jumpClock"; id: number; ms: number }
  | { type: "profile"; id: number; action: "start" | "stop"; file?: string }
  | { type: "close"; id: number };

/** A bucket count of a Prometheus histogram: `le` upper bound (Infinity for +Inf). */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/** What the hub child reports about itself. */
export interface HubStats {
  /** process.cpuUsage() user+system, µs. */
  readonly cpuMicros: number;
  readonly cpuSystemMicros: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly sessions: number;
  /** Writes (insert + update) the usage history made to the store since start. */
  readonly historyWrites: number;
  /** Event-loop delay since the last stats call, ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** so_hub_report_handle_seconds buckets, when asked for. */
  readonly handle?: { readonly buckets: Bucket[]; readonly count: number; readonly sum: number };
}

/** Hub child → orchestrator. */
export type HubEvent =
  | {
      type: "ready";
      httpPort: number;
      grpcPort: number;
      caHash: string | undefined;
      bootMs: number;
      /** Clusters seeded through the store before the start (BENCH_SEED_N). */
      seats: AgentSeat[];
      seedMs: number;
    }
  | { type: "reply"; id: number; stats?: HubStats; error?: string };

/** One cluster an agent child serves. */
export interface AgentSeat {
  readonly uid: string;
  /** Join token (REST-registered clusters) ... */
  readonly token?: string;
  /** ... or a credential already issued (clusters seeded through the store). */
  readonly credential?: string;
}

/** Orchestrator → agent child. */
export type AgentRequest =
  | {
      type: "start";
      hub: string;
      insecure: boolean;
      caHash: string | undefined;
      seats: AgentSeat[];
      /** Links started per second in this child. */
      ratePerSecond: number;
    }
  | { type: "stop" };

/** Agent child → orchestrator, once a second. */
export interface AgentTick {
  readonly type: "tick";
  readonly at: number;
  /** Σ HubLink.attempts: streams opened so far. */
  readonly attempts: number;
  readonly connected: number;
  readonly started: number;
  readonly rssBytes: number;
}
