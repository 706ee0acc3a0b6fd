import { status } from "@grpc/grpc-js";
import type { AgentSession } from "./agent-session.js";

/**
 * One live session per cluster. A newer connection for the same cluster
 * replaces the older one, which is ended cleanly: the usual cause is an agent
 * that reconnected before the hub noticed its old stream had died.
 */
export class SessionRegistry {
  readonly #sessions = new Map<string, AgentSession>();

  /** Makes `session` the cluster's live session, ending any older one. */
  attach(session: AgentSession): void {
    const older = this.#sessions.get(session.clusterId);
    this.#sessions.set(session.clusterId, session);
    older?.fail({
      code: status.ABORTED,
      details: "replaced by a newer connection for this cluster",
    });
  }

  /** Forgets the session if it is still the cluster's live one; true when it was. */
  detach(session: AgentSession): boolean {
    if (this.#sessions.get(session.clusterId) !== session) return false;
    this.#sessions.delete(session.clusterId);
    return true;
  }

  /** The cluster's live session. */
  get(clusterId: string): AgentSession | undefined {
    return this.#sessions.get(clusterId);
  }

  /** Whether the cluster has a live session. */
  has(clusterId: string): boolean {
    return this.#sessions.has(clusterId);
  }

  /** How many sessions are live. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Every live session. */
  all(): IterableIterator<AgentSession> {
    return this.#sessions.values();
  }
}
