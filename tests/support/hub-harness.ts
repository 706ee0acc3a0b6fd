import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ControlPlane,
  type ControlPlaneDeps,
  createControlPlane,
  loadConfig,
} from "@smart-orchestrator/control-plane";
import { createLogger, type Logger, type Timers } from "@smart-orchestrator/shared";
import { restClient } from "./rest-client.js";

/**
 * Link timings for tests: reports and pings come fast, but the read deadline
 * is 10 s, past the event-loop stalls of a busy two-core machine. A 1.5 s
 * deadline here made sessions die and redial in a loop under load, so tests
 * that never meant to test deadlines timed out ("three nodes", "usage with
 * rates"). Deadline tests pass {@link deadlineTimings} or use FakeTimers.
 */
export const testTimings = { reportIntervalMs: 200, pingIntervalMs: 250, readDeadlineMs: 10_000 };

/** Short deadlines, for the tests of the deadline itself over real sockets. */
export const deadlineTimings = { ...testTimings, readDeadlineMs: 1500 };

/** A control plane with its hub, on free ports, for link tests. */
export interface HubHarness {
  readonly plane: ControlPlane;
  readonly url: string;
  readonly dataDir: string;
  readonly hubAddress: string;
  /** Calls the REST API as admin; `headers` adds request headers (Force, Timeout). */
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any }>;
  /** Registers a cluster and returns its id and join token. */
  createCluster(name: string): Promise<{ uid: string; token: string }>;
  close(): Promise<void>;
}

const adminToken = "harness-admin-token-0123456789";

/** Quiet loggers for tests; set SO_TEST_LOG=debug to see everything. */
export function testLogger(name: string): Logger {
  return createLogger({
    name,
    level: (process.env.SO_TEST_LOG as "debug" | undefined) ?? "silent",
  });
}

/** Starts a control plane; pass `dataDir` (and `grpcPort`) to restart one over the same data. */
export async function startHub(
  options: {
    dataDir?: string;
    grpcPort?: number;
    env?: Record<string, string>;
    now?: () => Date;
    /** Link timings the hub tells agents in Welcome (default {@link testTimings}). */
    timings?: ControlPlaneDeps["hubTimings"];
    /** The hub's clock and timers (deadlines, sweep); FakeTimers drives them. */
    timers?: Timers;
  } = {},
): Promise<HubHarness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "so-hub-"));
  const config = loadConfig(
    {
      SO_PORT: "0",
      SO_GRPC_PORT: String(options.grpcPort ?? 0),
      SO_HOST: "127.0.0.1",
      SO_DATA_DIR: dataDir,
      SO_ADMIN_TOKEN: adminToken,
      SO_TLS_SANS: "localhost,127.0.0.1",
      ...options.env,
    },
    [],
  );
  const plane = await createControlPlane({
    config,
    log: testLogger("hub"),
    hubTimings: options.timings ?? testTimings,
    ...(options.now ? { now: options.now } : {}),
    ...(options.timers ? { hubTimers: options.timers } : {}),
  });
  const url = `http://127.0.0.1:${plane.httpPort}`;
  const api = restClient(url, adminToken);
  return {
    plane,
    url,
    dataDir,
    hubAddress: `127.0.0.1:${plane.grpcPort}`,
    api,
    async createCluster(name) {
      const res = await api("POST", "/clusters", { name });
      if (res.status !== 201)
        throw new Error(`create cluster: ${res.status} ${JSON.stringify(res.body)}`);
      return { uid: res.body.uid, token: res.body.join.token };
    },
    close: () => plane.close(),
  };
}

/**
 * Polls `check` until it returns a truthy value or the deadline passes. The
 * deadline only bounds how long a failing test takes to say so: a passing one
 * goes on as soon as the condition holds. 30 s, because on a two-core machine
 * kept busy (stress-ng plus parallel test files) an agent's start, join and
 * first report measured 13-16 s.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
