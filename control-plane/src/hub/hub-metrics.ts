import { Gauge, Histogram, type Registry } from "prom-client";
import type { SessionRegistry } from "./session-registry.js";

/** Hub figures on `/metrics`: live sessions and how long each report takes to handle. */
export interface HubMetrics {
  /** Records the handling time of one NodeReport, in seconds. */
  reportHandled(seconds: number): void;
}

/**
 * Registers `so_hub_sessions` (read from the registry at scrape time, so the
 * hot path pays nothing) and `so_hub_report_handle_seconds`, a histogram with
 * fine buckets below a millisecond, where a healthy hub's reports fall.
 */
export function createHubMetrics(registry: Registry, sessions: SessionRegistry): HubMetrics {
  new Gauge({
    name: "so_hub_sessions",
    help: "Live agent sessions (connected clusters)",
    registers: [registry],
    collect() {
      this.set(sessions.size);
    },
  });
  const handle = new Histogram({
    name: "so_hub_report_handle_seconds",
    help: "Time from receiving a NodeReport to having validated and recorded it",
    buckets: [
      0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1,
    ],
    registers: [registry],
  });
  return { reportHandled: (seconds) => handle.observe(seconds) };
}
