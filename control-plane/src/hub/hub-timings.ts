/** Intervals and deadlines of the agent link (DESIGN section 2). */
export interface HubTimings {
  /** How often agents send a NodeReport. */
  readonly reportIntervalMs: number;
  /** How often the hub pings each agent. */
  readonly pingIntervalMs: number;
  /** A session with no message from its agent for this long is dead. */
  readonly readDeadlineMs: number;
}

/** Report every 10 s, ping every 10 s, read deadline 30 s. */
export const defaultHubTimings: HubTimings = Object.freeze({
  reportIntervalMs: 10_000,
  pingIntervalMs: 10_000,
  readDeadlineMs: 30_000,
});
