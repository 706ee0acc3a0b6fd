import type { Room } from "./cluster-fit.js";

/** One placement whose pods no report shows yet. */
interface Reservation {
  readonly clusterId: string;
  readonly perNode: ReadonlyMap<string, Room>;
  readonly createdAtMs: number;
  /** When the workload was known to run (its deploy finished); a report observed after this shows it. */
  settledAtMs: number | undefined;
}

/** Options for {@link Reservations}. */
export interface ReservationsOptions {
  /**
   * A reservation that never settles (a lost deploy result) is dropped after
   * this long, so capacity cannot leak forever. Default 15 minutes.
   */
  readonly maxAgeMs?: number;
}

/**
 * Capacity promised to placements that are still in flight. Reports lag by
 * up to a report interval and pods appear only once applied and scheduled,
 * so two quick placements would otherwise both count the same free room.
 * A reservation is held from the decision until the first report observed
 * after its deploy settled, which is the first report that counts its pods.
 */
export class Reservations {
  readonly #byId = new Map<string, Reservation>();
  /** Ids per cluster, so a decision over thousands of clusters reads only its own holds. */
  readonly #byCluster = new Map<string, Set<string>>();
  readonly #maxAgeMs: number;

  constructor(options: ReservationsOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 15 * 60_000;
  }

  /** Holds `perNode` on a cluster under `id` (an enabler id); replaces an earlier hold of that id. */
  hold(id: string, clusterId: string, perNode: ReadonlyMap<string, Room>, nowMs: number): void {
    this.release(id);
    this.#byId.set(id, { clusterId, perNode, createdAtMs: nowMs, settledAtMs: undefined });
    const ids = this.#byCluster.get(clusterId) ?? new Set<string>();
    this.#byCluster.set(clusterId, ids);
    ids.add(id);
  }

  /** The deploy of `id` finished (ready or not): the next report observed after `atMs` shows its pods. */
  settle(id: string, atMs: number): void {
    const r = this.#byId.get(id);
    if (r) r.settledAtMs = atMs;
  }

  /** Drops a hold at once (the deploy was refused or deleted before it ran). */
  release(id: string): void {
    const r = this.#byId.get(id);
    if (!r) return;
    this.#byId.delete(id);
    const ids = this.#byCluster.get(r.clusterId);
    ids?.delete(id);
    if (ids?.size === 0) this.#byCluster.delete(r.clusterId);
  }

  /** A report of `clusterId`, observed at `observedAtMs`, arrived: holds it already counts go. */
  reported(clusterId: string, observedAtMs: number): void {
    for (const id of this.#byCluster.get(clusterId) ?? []) {
      const r = this.#byId.get(id) as Reservation;
      if (r.settledAtMs !== undefined && observedAtMs > r.settledAtMs) this.release(id);
    }
  }

  /** What is held on each node of a cluster at `nowMs`; expired holds are dropped on the way. */
  heldOn(clusterId: string, nowMs: number): ReadonlyMap<string, Room> | undefined {
    // Nothing held (the usual case): no lookup, which hashes the id, a cache miss per cluster in a large fleet.
    if (!this.#byCluster.size) return undefined;
    const ids = this.#byCluster.get(clusterId);
    if (!ids) return undefined;
    let out: Map<string, Room> | undefined;
    for (const id of ids) {
      const r = this.#byId.get(id) as Reservation;
      if (nowMs - r.createdAtMs > this.#maxAgeMs) {
        this.release(id);
        continue;
      }
      out ??= new Map();
      for (const [node, room] of r.perNode) {
        const sum = out.get(node) ?? { cpuMillis: 0, memoryBytes: 0, pods: 0 };
        sum.cpuMillis += room.cpuMillis;
        sum.memoryBytes += room.memoryBytes;
        sum.pods += room.pods;
        out.set(node, sum);
      }
    }
    return out;
  }

  /** Holds in force, for tests and metrics. */
  get size(): number {
    return this.#byId.size;
  }
}
