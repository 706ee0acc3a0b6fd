/**
 * Chooses a cluster for a release and explains the choice: every candidate's
 * maxReplicas, score and rank, or why it was rejected (DESIGN section 5).
 */
import { AppError, ErrorCode, type Node } from "@smart-orchestrator/shared";
import { type ClusterFit, fitCluster, type RejectCode, type Room } from "./cluster-fit.js";
import { nodeTable } from "./node-table.js";
import { type PlacementPolicy, type Rankable, rankingFor } from "./policies.js";
import type { Reservations } from "./reservations.js";
import type { WorkloadDemand } from "./workload-demand.js";

/** A cluster as the scheduler sees it at decision time. */
export interface CandidateCluster {
  readonly id: string;
  readonly name: string;
  readonly cloud: boolean;
  /** An agent session is live now. */
  readonly connected: boolean;
  /** Nodes of the latest report; undefined when none arrived since the hub started. */
  readonly nodes: readonly Node[] | undefined;
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

interface Fitting extends Rankable {
  readonly cluster: CandidateCluster;
  readonly forecast: ClusterForecast | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The scheduler proper. {@link decide} has no side effects (it serves the
 * preview); {@link place} also holds the chosen capacity until a report
 * shows it, so a second placement right after does not count it again.
 */
export class Scheduler {
  readonly #d: SchedulerDeps;

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
    if (!chosen?.nodes) throw noFitError(decision);
    // Only the chosen cluster needs the per-node share, so only it is fitted again to get it.
    const now = this.#d.now();
    const fit = fitCluster(chosen.nodes, demand, this.#d.reservations.heldOn(chosen.id, now), true);
    if (fit.fits && fit.allocation)
      this.#d.reservations.hold(holdId, chosen.id, fit.allocation, now);
    return decision;
  }

  #decide(
    clusters: readonly CandidateCluster[],
    demand: WorkloadDemand,
    options: DecideOptions,
  ): { decision: PlacementDecision; chosen?: CandidateCluster } {
    const now = this.#d.now();
    const rejected: CandidateExplanation[] = [];
    const edge: Fitting[] = [];
    const cloud: Fitting[] = [];
    for (const c of clusters) {
      const forecast = options.predictive ? this.#d.forecasts?.forecast(c.id) : undefined;
      const fit = this.#fit(c, demand, now, forecast);
      if (!fit.fits) {
        rejected.push({
          clusterId: c.id,
          name: c.name,
          cloud: c.cloud,
          outcome: "rejected",
          rejection: { code: fit.code, reason: fit.reason },
          ...(forecast ? { forecast } : {}),
        });
        continue;
      }
      const traffic = forecast ? forecast.rxMeanBytesPerSecond : c.rxBytesPerSecond;
      // One shape for every Fitting (forecast or not), so ranking code sees one hidden class.
      const f: Fitting = {
        cluster: c,
        clusterId: c.id,
        name: c.name,
        maxReplicas: fit.maxReplicas,
        traffic,
        forecast,
      };
      (c.cloud ? cloud : edge).push(f);
    }
    const ranked = edge.length ? edge : cloud;
    const ranking = rankingFor(options.policy, ranked);
    edge.sort(ranking.compare);
    cloud.sort(ranking.compare);
    const order = edge.concat(cloud);
    const chosen = order[0];
    rejected.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // Built field by field rather than with conditional spreads: a decision
    // explains every cluster of the fleet, and each spread is a throwaway object.
    const candidates: CandidateExplanation[] = [];
    for (let i = 0; i < order.length; i++) {
      const f = order[i] as Fitting;
      const e: Mutable<CandidateExplanation> = {
        clusterId: f.clusterId,
        name: f.name,
        cloud: f.cluster.cloud,
        outcome: i === 0 ? "chosen" : "fits",
        maxReplicas: f.maxReplicas,
      };
      const score = ranking.score(f);
      if (score !== undefined) e.score = score;
      e.rank = i + 1;
      if (f.forecast) e.forecast = f.forecast;
      candidates.push(e);
    }
    for (const r of rejected) candidates.push(r);
    const decision: PlacementDecision = {
      policy: options.policy,
      order: ranking.order,
      scoreMeaning: ranking.scoreMeaning,
      predictive: options.predictive,
      decidedAt: new Date(now).toISOString(),
      ...(chosen ? { chosen: { clusterId: chosen.clusterId, name: chosen.name } } : {}),
      cloudFallback: !edge.length && !!chosen,
      candidates,
    };
    return chosen ? { decision, chosen: chosen.cluster } : { decision };
  }

  #fit(
    c: CandidateCluster,
    demand: WorkloadDemand,
    now: number,
    forecast: ClusterForecast | undefined,
  ): ClusterFit {
    if (!c.connected) return reject("disconnected", "no agent connected");
    if (!c.nodes) return reject("no-report", "connected, but no node report yet");
    const held = this.#d.reservations.heldOn(c.id, now);
    const fit = fitCluster(c.nodes, demand, held);
    if (!fit.fits || !forecast) return fit;
    return withForecast(fit, c.nodes, demand, held, forecast);
  }
}

/**
 * Checks a fitting cluster against its forecast: the room left at the p90
 * of usage (allocatable of Ready nodes − forecast use − what is held) must
 * hold what the release takes, and it caps maxReplicas.
 */
function withForecast(
  fit: Extract<ClusterFit, { fits: true }>,
  nodes: readonly Node[],
  demand: WorkloadDemand,
  held: ReadonlyMap<string, Room> | undefined,
  f: ClusterForecast,
): ClusterFit {
  const table = nodeTable(nodes);
  let cpu = table.readyCpuMillis;
  let mem = table.readyMemoryBytes;
  for (const h of held?.values() ?? []) {
    cpu -= h.cpuMillis;
    mem -= h.memoryBytes;
  }
  cpu -= f.cpuUsedP90Millis;
  mem -= f.memoryUsedP90Bytes;
  const needCpu = fit.needCpuMillis;
  const needMem = fit.needMemoryBytes;
  const hours = Math.round((f.horizonMs / 3_600_000) * 10) / 10;
  if (needCpu > cpu || needMem > mem) {
    const what =
      needCpu > cpu
        ? `cpu ${Math.max(0, Math.round(cpu))}m free at peak, the release needs ${needCpu}m`
        : `memory ${mib(Math.max(0, mem))} free at peak, the release needs ${mib(needMem)}`;
    return reject(
      "forecast-insufficient",
      `forecast p90 usage over the next ${hours} h leaves ${what}`,
    );
  }
  // Room at peak bounds how many more copies of each replicated workload could come.
  let cap = fit.maxReplicas;
  for (const g of demand.groups) {
    if (g.perNode || g.replicas === 0) continue;
    const spareCpu = cpu - needCpu + g.cpuMillis * g.replicas;
    const spareMem = mem - needMem + g.memoryBytes * g.replicas;
    cap = Math.min(cap, Math.floor(spareCpu / g.cpuMillis), Math.floor(spareMem / g.memoryBytes));
  }
  return { ...fit, maxReplicas: Math.max(0, cap) };
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

function reject(code: RejectCode, reason: string): ClusterFit {
  return { fits: false, code, reason };
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10}Mi`;
}
