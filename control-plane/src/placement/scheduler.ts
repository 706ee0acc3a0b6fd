/**
 * Chooses a cluster for a release and explains the choice: every candidate's
 * maxReplicas, score and rank, or why it was rejected (DESIGN section 5).
 */
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { candidateOrder } from "./candidate-order.js";
import { FitOutcome, fitInto, type RejectCode, type Room } from "./cluster-fit.js";
import type { NodeTable } from "./node-table.js";
import { type PlacementPolicy, rankingFor } from "./policies.js";
import type { Reservations } from "./reservations.js";
import type { WorkloadDemand } from "./workload-demand.js";

/** A cluster as the scheduler sees it at decision time. */
export interface CandidateCluster {
  readonly id: string;
  readonly name: string;
  readonly cloud: boolean;
  /** An agent session is live now. */
  readonly connected: boolean;
  /**
   * The latest report's nodes as the scheduler reads them ({@link nodeTable});
   * undefined when none arrived since the hub started.
   */
  readonly table: NodeTable | undefined;
  /** Latest network receive rate of the cluster, bytes/s; null when unmeasured. */
  readonly rxBytesPerSecond: number | null;
}

/** A cluster's usage forecast over the deployment horizon (peak of the per-step p90). */
export interface ClusterForecast {
  readonly cpuUsedP90Millis: number;
  readonly memoryUsedP90Bytes: number;
  /** Mean forecast receive rate over the horizon; null without traffic history. */
  readonly rxMeanBytesPerSecond: number | null;
  readonly horizonMs: number;
}

/** The forecasts the scheduler reads; they are computed ahead, never at decision time. */
export interface ForecastSource {
  forecast(clusterId: string): ClusterForecast | undefined;
}

/** One candidate in a decision's explanation. */
export interface CandidateExplanation {
  readonly clusterId: string;
  readonly name: string;
  readonly cloud: boolean;
  readonly outcome: "chosen" | "fits" | "rejected";
  readonly maxReplicas?: number;
  readonly score?: number;
  /** 1 for the chosen cluster; edge clusters rank before the cloud fallback. */
  readonly rank?: number;
  readonly rejection?: { readonly code: RejectCode; readonly reason: string };
  /** Present when the decision was predictive and the cluster had a forecast. */
  readonly forecast?: ClusterForecast;
}

/** A placement decision, as stored with the enabler and shown by `GET /enabler/:id`. */
export interface PlacementDecision {
  readonly policy: PlacementPolicy;
  /** The order really used: traffic-most without any traffic figure is worst-fit. */
  readonly order: PlacementPolicy;
  readonly scoreMeaning: string;
  readonly predictive: boolean;
  /** Decision time, ISO 8601. */
  readonly decidedAt: string;
  readonly chosen?: { readonly clusterId: string; readonly name: string };
  /** True when no edge cluster fitted and the cloud cluster took the release. */
  readonly cloudFallback: boolean;
  /** Ranked candidates first, then the rejected ones by name. */
  readonly candidates: readonly CandidateExplanation[];
}

/** How one decision is asked for. */
export interface DecideOptions {
  readonly policy: PlacementPolicy;
  readonly predictive: boolean;
}

/** What {@link Scheduler} is built from. */
export interface SchedulerDeps {
  readonly reservations: Reservations;
  readonly forecasts?: ForecastSource;
  readonly now: () => number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The scheduler proper. {@link decide} has no side effects (it serves the
 * preview); {@link place} also holds the chosen capacity until a report
 * shows it, so a second placement right after does not count it again.
 */
export class Scheduler {
  readonly #d: SchedulerDeps;
  readonly #out = new FitOutcome();

  constructor(deps: SchedulerDeps) {
    this.#d = deps;
  }

  /** Decides without holding anything. */
  decide(
    clusters: readonly CandidateCluster[],
    demand: WorkloadDemand,
    options: DecideOptions,
  ): PlacementDecision {
    return this.#decide(clusters, demand, options).decision;
  }

  /**
   * Decides and holds the chosen cluster's share under `holdId` (the enabler
   * id). Throws `AppError(conflict)` naming every cluster and why when
   * nothing fits; the error's `fields` carry one entry per cluster.
   */
  place(
    holdId: string,
    clusters: readonly CandidateCluster[],
    demand: WorkloadDemand,
    options: DecideOptions,
  ): PlacementDecision {
    const { decision, chosen } = this.#decide(clusters, demand, options);
    if (!chosen?.table) throw noFitError(decision);
    // Only the chosen cluster needs the per-node share, so only it is fitted again to get it.
    const now = this.#d.now();
    const share = new Map<string, Room>();
    const held = this.#d.reservations.heldOn(chosen.id, now);
    if (fitInto(new FitOutcome(), chosen.table, demand, held, share).fits)
      this.#d.reservations.hold(holdId, chosen.id, share, now);
    return decision;
  }

  #decide(
    clusters: readonly CandidateCluster[],
    demand: WorkloadDemand,
    options: DecideOptions,
  ): { decision: PlacementDecision; chosen?: CandidateCluster } {
    const now = this.#d.now();
    const n = clusters.length;
    const s = scratch(n);
    const out = this.#out;
    let edge = false;
    let edgeTraffic = false;
    let cloudTraffic = false;
    for (let i = 0; i < n; i++) {
      const c = clusters[i] as CandidateCluster;
      const forecast = options.predictive ? this.#d.forecasts?.forecast(c.id) : undefined;
      s.forecasts[i] = forecast;
      this.#fit(out, c, demand, now, forecast);
      if (!out.fits) {
        s.fits[i] = 0;
        s.codes[i] = out.code;
        s.reasons[i] = out.reason;
        continue;
      }
      const traffic = forecast ? forecast.rxMeanBytesPerSecond : c.rxBytesPerSecond;
      s.fits[i] = 1;
      s.maxReplicas[i] = out.maxReplicas;
      s.traffic[i] = traffic ?? Number.NaN;
      if (c.cloud) cloudTraffic ||= traffic !== null;
      else {
        edge = true;
        edgeTraffic ||= traffic !== null;
      }
    }
    // The cloud is ranked only when no edge cluster fits.
    const ranking = rankingFor(options.policy, edge ? edgeTraffic : cloudTraffic);
    const { order, fitting } = candidateOrder(clusters, s, ranking);
    const candidates: CandidateExplanation[] = [];
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const c = clusters[i] as CandidateCluster;
      const forecast = s.forecasts[i];
      if (k >= fitting) {
        candidates.push(rejected(c, s.codes[i] as RejectCode, s.reasons[i] as string, forecast));
        continue;
      }
      const maxReplicas = s.maxReplicas[i] as number;
      const t = s.traffic[i] as number;
      // Built field by field rather than with conditional spreads: a decision
      // explains every cluster of the fleet, and each spread is a throwaway object.
      const e: Mutable<CandidateExplanation> = {
        clusterId: c.id,
        name: c.name,
        cloud: c.cloud,
        outcome: k === 0 ? "chosen" : "fits",
        maxReplicas,
      };
      const score = ranking.score(maxReplicas, Number.isNaN(t) ? null : t);
      if (score !== undefined) e.score = score;
      e.rank = k + 1;
      if (forecast) e.forecast = forecast;
      candidates.push(e);
    }
    s.release(n);
    const chosen = fitting ? clusters[order[0] as number] : undefined;
    const decision: PlacementDecision = {
      policy: options.policy,
      order: ranking.order,
      scoreMeaning: ranking.scoreMeaning,
      predictive: options.predictive,
      decidedAt: new Date(now).toISOString(),
      ...(chosen ? { chosen: { clusterId: chosen.id, name: chosen.name } } : {}),
      cloudFallback: !edge && !!chosen,
      candidates,
    };
    return chosen ? { decision, chosen } : { decision };
  }

  #fit(
    out: FitOutcome,
    c: CandidateCluster,
    demand: WorkloadDemand,
    now: number,
    forecast: ClusterForecast | undefined,
  ): void {
    if (!c.connected) out.reject("disconnected", "no agent connected");
    else if (!c.table) out.reject("no-report", "connected, but no node report yet");
    else {
      const held = this.#d.reservations.heldOn(c.id, now);
      fitInto(out, c.table, demand, held);
      if (out.fits && forecast) checkForecast(out, c.table, demand, held, forecast);
    }
  }
}

function rejected(
  c: CandidateCluster,
  code: RejectCode,
  reason: string,
  forecast: ClusterForecast | undefined,
): CandidateExplanation {
  const e: Mutable<CandidateExplanation> = {
    clusterId: c.id,
    name: c.name,
    cloud: c.cloud,
    outcome: "rejected",
    rejection: { code, reason },
  };
  if (forecast) e.forecast = forecast;
  return e;
}

/** Per-cluster columns of one decision, reused across decisions (single-threaded, not reentrant). */
class Scratch {
  fits = new Uint8Array(64);
  maxReplicas = new Float64Array(64);
  traffic = new Float64Array(64);
  codes: (RejectCode | undefined)[] = [];
  reasons: (string | undefined)[] = [];
  forecasts: (ClusterForecast | undefined)[] = [];

  /** Drops the strings and forecasts the decision referred to, so they do not outlive it. */
  release(n: number): void {
    this.codes.fill(undefined, 0, n);
    this.reasons.fill(undefined, 0, n);
    this.forecasts.fill(undefined, 0, n);
  }
}

const columns = new Scratch();

function scratch(n: number): Scratch {
  if (columns.fits.length < n) {
    columns.fits = new Uint8Array(n * 2);
    columns.maxReplicas = new Float64Array(n * 2);
    columns.traffic = new Float64Array(n * 2);
  }
  return columns;
}

/**
 * Checks a fitting cluster against its forecast: the room left at the p90
 * of usage (allocatable of Ready nodes − forecast use − what is held) must
 * hold what the release takes, and it caps maxReplicas.
 */
function checkForecast(
  out: FitOutcome,
  table: NodeTable,
  demand: WorkloadDemand,
  held: ReadonlyMap<string, Room> | undefined,
  f: ClusterForecast,
): void {
  let cpu = table.readyCpuMillis;
  let mem = table.readyMemoryBytes;
  for (const h of held?.values() ?? []) {
    cpu -= h.cpuMillis;
    mem -= h.memoryBytes;
  }
  cpu -= f.cpuUsedP90Millis;
  mem -= f.memoryUsedP90Bytes;
  const needCpu = out.needCpuMillis;
  const needMem = out.needMemoryBytes;
  const hours = Math.round((f.horizonMs / 3_600_000) * 10) / 10;
  if (needCpu > cpu || needMem > mem) {
    const what =
      needCpu > cpu
        ? `cpu ${Math.max(0, Math.round(cpu))}m free at peak, the release needs ${needCpu}m`
        : `memory ${mib(Math.max(0, mem))} free at peak, the release needs ${mib(needMem)}`;
    out.reject(
      "forecast-insufficient",
      `forecast p90 usage over the next ${hours} h leaves ${what}`,
    );
    return;
  }
  // Room at peak bounds how many more copies of each replicated workload could come.
  let cap = out.maxReplicas;
  for (const g of demand.groups) {
    if (g.perNode || g.replicas === 0) continue;
    const spareCpu = cpu - needCpu + g.cpuMillis * g.replicas;
    const spareMem = mem - needMem + g.memoryBytes * g.replicas;
    cap = Math.min(cap, Math.floor(spareCpu / g.cpuMillis), Math.floor(spareMem / g.memoryBytes));
  }
  out.maxReplicas = Math.max(0, cap);
}

/** The 409 for a decision with no cluster: the message and `fields` name every cluster and why. */
export function noFitError(decision: PlacementDecision): AppError {
  const parts = decision.candidates.map((c) => `${c.name}: ${c.rejection?.reason ?? "fits"}`);
  const message = decision.candidates.length
    ? `no cluster can take the release: ${parts.join("; ")}`
    : "no cluster can take the release: no clusters are registered";
  return new AppError(ErrorCode.Conflict, message, {
    fields: decision.candidates.map((c) => ({
      field: `clusters.${c.name}`,
      reason: c.rejection ? `${c.rejection.code}: ${c.rejection.reason}` : "fits",
    })),
  });
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10}Mi`;
}
