/**
 * Whether one cluster can take a release, from its latest report: free room
 * per node (DESIGN section 5), pods placed one at a time as the Kubernetes
 * scheduler places them, and `maxReplicas` as the sum over eligible nodes.
 */
import type { Node } from "@smart-orchestrator/shared";
import { archOnly, type EligibleNode, eligibleNode } from "./node-eligibility.js";
import {
  ARCH_MASK,
  ARCH_SHIFT,
  CPU,
  FLAGS,
  MEM,
  type NodeTable,
  nodeTable,
  OTHER_ARCH,
  OTHER_TAINTS,
  PODS,
  STRIDE,
  TAINTS_SHIFT,
} from "./node-table.js";
import { nodeIneligibility } from "./pod-constraints.js";
import type { PodGroup, WorkloadDemand } from "./workload-demand.js";

/** Room on one node: CPU millicores, memory bytes, pod slots. */
export interface Room {
  cpuMillis: number;
  memoryBytes: number;
  pods: number;
}

/** Why a cluster was rejected; stable codes for clients, with a sentence for people. */
export type RejectCode =
  | "disconnected"
  | "no-report"
  | "no-eligible-node"
  | "pod-too-large"
  | "insufficient-capacity"
  | "not-together"
  | "forecast-insufficient";

/** The outcome for one cluster. */
export type ClusterFit =
  | {
      readonly fits: true;
      /** DESIGN section 5's maxReplicas; the smallest over the release's replicated workloads. */
      readonly maxReplicas: number;
      /** What the whole release takes: CPU millicores and memory bytes. */
      readonly needCpuMillis: number;
      readonly needMemoryBytes: number;
      /** Per node, what the release would take; only when asked for (the chosen cluster's hold). */
      readonly allocation?: ReadonlyMap<string, Room>;
    }
  | { readonly fits: false; readonly code: RejectCode; readonly reason: string };

/** Free room per node: allocatable − requested − held, never below 0. */
export function freeRoom(
  nodes: readonly Node[],
  held?: ReadonlyMap<string, Room>,
): Map<string, Room> {
  const out = new Map<string, Room>();
  const t = nodeTable(nodes);
  ensure(Math.max(1, nodes.length), 1);
  load(t, held);
  nodes.forEach((n, i) => {
    out.set(n.name, {
      cpuMillis: cpuS[i] as number,
      memoryBytes: memS[i] as number,
      pods: podS[i] as number,
    });
  });
  return out;
}

/** How many pods of `g` fit in `r`: min(⌊cpu/req⌋, ⌊mem/req⌋, slots). */
export function podsThatFit(r: Room, g: Pick<PodGroup, "cpuMillis" | "memoryBytes">): number {
  return fitCount(r.cpuMillis, r.memoryBytes, r.pods, g.cpuMillis, g.memoryBytes);
}

function fitCount(cpu: number, mem: number, pods: number, reqCpu: number, reqMem: number): number {
  const byCpu = reqCpu > 0 ? Math.floor(cpu / reqCpu) : pods;
  const byMem = reqMem > 0 ? Math.floor(mem / reqMem) : pods;
  return Math.min(byCpu, byMem, pods);
}

// Scratch room per node index, reused across calls: a decision fits thousands
// of clusters and must not allocate per node. Single-threaded and not reentrant.
let cpuS = new Float64Array(64);
let memS = new Float64Array(64);
let podS = new Float64Array(64);
let eligS = new Uint8Array(64);
let eligCount = new Int32Array(8);
let fitS = new Float64Array(64);

function ensure(nodes: number, groups: number): void {
  if (cpuS.length < nodes) {
    cpuS = new Float64Array(nodes * 2);
    memS = new Float64Array(nodes * 2);
    podS = new Float64Array(nodes * 2);
    fitS = new Float64Array(nodes * 2);
  }
  if (eligS.length < nodes * groups) eligS = new Uint8Array(nodes * groups * 2);
  if (eligCount.length < groups) eligCount = new Int32Array(groups * 2);
}

/** Free room into the scratch arrays: the report's, less what is held (holds are never negative). */
function load(t: NodeTable, held: ReadonlyMap<string, Room> | undefined): void {
  const m = t.count;
  // A loop, not TypedArray.set: for ten nodes the call costs more than the copy.
  const c = t.cells;
  for (let i = 0; i < m; i++) {
    const at = t.at + i * STRIDE;
    cpuS[i] = c[at + CPU] as number;
    memS[i] = c[at + MEM] as number;
    podS[i] = c[at + PODS] as number;
  }
  if (!held?.size) return;
  for (let i = 0; i < m; i++) {
    const h = held.get((t.nodes[i] as Node).name);
    if (!h) continue;
    cpuS[i] = Math.max(0, (cpuS[i] as number) - h.cpuMillis);
    memS[i] = Math.max(0, (memS[i] as number) - h.memoryBytes);
    podS[i] = Math.max(0, (podS[i] as number) - h.pods);
  }
}

/**
 * The outcome of fitting one cluster, written in place: the scheduler fits
 * every cluster of the fleet into one of these, rather than allocating an
 * outcome per cluster, which in a fleet of thousands was most of a
 * decision's garbage.
 */
export class FitOutcome {
  fits = false;
  /** DESIGN section 5's maxReplicas, when it fits. */
  maxReplicas = 0;
  /** What the whole release takes, when it fits. */
  needCpuMillis = 0;
  needMemoryBytes = 0;
  /** Why not, when it does not fit. */
  code: RejectCode = "no-report";
  reason = "";

  /** Records a rejection. */
  reject(code: RejectCode, reason: string): this {
    this.fits = false;
    this.code = code;
    this.reason = reason;
    return this;
  }
}

/**
 * Fits a release on one cluster. DaemonSet pods go first (one per eligible
 * node), then each replicated workload, largest CPU request first, one pod at
 * a time on the eligible node with the most room (as the Kubernetes
 * scheduler's LeastAllocated spreads them), so the answer says whether the
 * workloads fit together and not only one by one. With `allocate`, the
 * result says what lands on each node.
 */
export function fitCluster(
  nodes: readonly Node[],
  demand: WorkloadDemand,
  held?: ReadonlyMap<string, Room>,
  allocate = false,
): ClusterFit {
  const alloc = allocate ? new Map<string, Room>() : undefined;
  const o = fitInto(new FitOutcome(), nodeTable(nodes), demand, held, alloc);
  if (!o.fits) return { fits: false, code: o.code, reason: o.reason };
  const fit = {
    fits: true as const,
    maxReplicas: o.maxReplicas,
    needCpuMillis: o.needCpuMillis,
    needMemoryBytes: o.needMemoryBytes,
  };
  return alloc ? { ...fit, allocation: alloc } : fit;
}

/** {@link fitCluster} on a report's node table, into `out`, which it returns. */
export function fitInto(
  out: FitOutcome,
  table: NodeTable,
  demand: WorkloadDemand,
  held?: ReadonlyMap<string, Room>,
  perNodeAlloc?: Map<string, Room>,
): FitOutcome {
  // The node objects are read only to explain or to allocate: in a large
  // fleet each one read is a cache miss, so the table alone answers.
  const m = table.count;
  const nodes = table.nodes;
  const groups = demand.groups;
  const plan = planOf(demand);
  ensure(Math.max(1, m), Math.max(1, groups.length));
  load(table, held);
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as PodGroup;
    const eligible = plan.eligible[gi] as EligibleNode;
    let ok = 0;
    for (let i = 0; i < m; i++) {
      const yes = eligible(table, i);
      eligS[gi * m + i] = yes ? 1 : 0;
      if (yes) ok++;
    }
    if (!ok && (g.perNode || g.replicas > 0)) {
      return out.reject(
        "no-eligible-node",
        `${g.workload}: no eligible node (${whyNot(table, g)})`,
      );
    }
    eligCount[gi] = ok;
  }

  let needCpu = 0;
  let needMem = 0;
  let dsNodes = Number.POSITIVE_INFINITY;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as PodGroup;
    if (!g.perNode) continue;
    for (let i = 0; i < m; i++) {
      if (!eligS[gi * m + i]) continue;
      if (
        fitCount(
          cpuS[i] as number,
          memS[i] as number,
          podS[i] as number,
          g.cpuMillis,
          g.memoryBytes,
        ) < 1
      ) {
        const n = nodes[i] as Node;
        return out.reject(
          "insufficient-capacity",
          `${g.workload}: its pod (${need(g)}) does not fit on eligible node ${n.name} (${show(i)} free)`,
        );
      }
      take(nodes, i, g, perNodeAlloc);
      needCpu += g.cpuMillis;
      needMem += g.memoryBytes;
    }
    dsNodes = Math.min(dsNodes, eligCount[gi] as number);
  }

  let maxReplicas = Number.POSITIVE_INFINITY;
  let replicated = 0;
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as PodGroup;
    if (g.perNode || g.replicas === 0) continue;
    replicated++;
    let sum = 0;
    let slotless = true;
    for (let i = 0; i < m; i++) {
      if (!eligS[gi * m + i]) continue;
      sum += fitCount(
        cpuS[i] as number,
        memS[i] as number,
        podS[i] as number,
        g.cpuMillis,
        g.memoryBytes,
      );
      if ((podS[i] as number) > 0) slotless = false;
    }
    maxReplicas = Math.min(maxReplicas, sum);
    if (sum >= g.replicas) continue;
    if (sum === 0) {
      const cause = slotless
        ? "every eligible node is out of pod slots"
        : `no single eligible node has room for one pod (${need(g)}; largest free: ${largest(m, eligS.subarray(gi * m, gi * m + m))})`;
      return out.reject("pod-too-large", `${g.workload}: ${cause}`);
    }
    return out.reject(
      "insufficient-capacity",
      `${g.workload}: room for ${sum} of ${g.replicas} replicas (${need(g)} each)`,
    );
  }

  for (let oi = 0; oi < plan.order.length; oi++) {
    const gi = plan.order[oi] as number;
    const g = groups[gi] as PodGroup;
    // How many of g's pods each eligible node holds (-1: not eligible). Taking a
    // pod changes only its node's count, so one pass per workload, not per pod.
    for (let i = 0; i < m; i++) {
      fitS[i] = eligS[gi * m + i]
        ? fitCount(
            cpuS[i] as number,
            memS[i] as number,
            podS[i] as number,
            g.cpuMillis,
            g.memoryBytes,
          )
        : -1;
    }
    for (let r = 0; r < g.replicas; r++) {
      // The node with the most room; the first such node on ties, as before.
      let best = -1;
      let bestFit = 0;
      for (let i = 0; i < m; i++) {
        const f = fitS[i] as number;
        if (f > bestFit) {
          best = i;
          bestFit = f;
        }
      }
      if (best < 0) {
        return out.reject(
          "not-together",
          `${g.workload}: the workloads fit one by one but not together (${g.replicas - r} of ${g.replicas} replicas left without room)`,
        );
      }
      take(nodes, best, g, perNodeAlloc);
      fitS[best] = fitCount(
        cpuS[best] as number,
        memS[best] as number,
        podS[best] as number,
        g.cpuMillis,
        g.memoryBytes,
      );
    }
    needCpu += g.cpuMillis * g.replicas;
    needMem += g.memoryBytes * g.replicas;
  }

  if (!replicated) maxReplicas = dsNodes === Number.POSITIVE_INFINITY ? 0 : dsNodes;
  out.fits = true;
  out.maxReplicas = maxReplicas;
  out.needCpuMillis = needCpu;
  out.needMemoryBytes = needMem;
  return out;
}

// Scratch for whyNot, reused: a fleet of rejected clusters asked for four
// arrays each, the most of what a decision allocated. Not reentrant.
const reasonS: string[] = [];
const countS: number[] = [];

/**
 * Per constraints object (one decision), the sentence for a node by its
 * flags: under arch-only constraints the sentence depends on nothing but
 * readiness, arch and hard taints, which the flags identify, so a fleet's
 * rejected clusters share one string per kind of node instead of reading
 * every node object and building it again.
 */
const reasonsByFlags = new WeakMap<PodGroup["constraints"], Map<number, string>>();

function nodeReason(t: NodeTable, i: number, g: PodGroup, keyed: boolean): string {
  const f = t.cells[t.at + i * STRIDE + FLAGS] as number;
  const known =
    keyed && ((f >> ARCH_SHIFT) & ARCH_MASK) !== OTHER_ARCH && f >> TAINTS_SHIFT !== OTHER_TAINTS;
  if (!known) return nodeIneligibility(t.nodes[i] as Node, g.constraints) as string;
  let byFlags = reasonsByFlags.get(g.constraints);
  if (!byFlags) {
    byFlags = new Map();
    reasonsByFlags.set(g.constraints, byFlags);
  }
  let r = byFlags.get(f);
  if (r === undefined) {
    r = nodeIneligibility(t.nodes[i] as Node, g.constraints) as string;
    byFlags.set(f, r);
  }
  return r;
}

/** Why no node is eligible, grouped by reason: "3 nodes: not Ready; 1 node: taint …". */
function whyNot(t: NodeTable, g: PodGroup): string {
  reasonS.length = 0;
  countS.length = 0;
  const keyed = archOnly(g.constraints);
  for (let i = 0; i < t.count; i++) {
    const r = nodeReason(t, i, g, keyed);
    // Few distinct reasons per cluster: a linear search beats a Map here.
    const at = reasonS.indexOf(r);
    if (at >= 0) countS[at] = (countS[at] as number) + 1;
    else {
      reasonS.push(r);
      countS.push(1);
    }
  }
  let out = "";
  for (let i = 0; i < reasonS.length; i++) {
    const k = countS[i] as number;
    out += `${i ? "; " : ""}${k} node${k === 1 ? "" : "s"}: ${reasonS[i]}`;
  }
  return out || "no nodes";
}

/** Takes one pod of `g` on node `i`. */
function take(
  nodes: readonly Node[],
  i: number,
  g: PodGroup,
  alloc: Map<string, Room> | undefined,
): void {
  cpuS[i] = (cpuS[i] as number) - g.cpuMillis;
  memS[i] = (memS[i] as number) - g.memoryBytes;
  podS[i] = (podS[i] as number) - 1;
  if (!alloc) return;
  const name = (nodes[i] as Node).name;
  const a = alloc.get(name) ?? { cpuMillis: 0, memoryBytes: 0, pods: 0 };
  a.cpuMillis += g.cpuMillis;
  a.memoryBytes += g.memoryBytes;
  a.pods += 1;
  alloc.set(name, a);
}

/** What a decision reads of its demand for every cluster, worked out once. */
interface DemandPlan {
  /** Replicated groups, largest CPU request first. */
  readonly order: readonly number[];
  /** Each group's eligibility test. */
  readonly eligible: readonly EligibleNode[];
}

const plans = new WeakMap<WorkloadDemand, DemandPlan>();

/** The plan of a demand; computed once per demand, not per cluster. */
function planOf(demand: WorkloadDemand): DemandPlan {
  let plan = plans.get(demand);
  if (!plan) {
    const gs = demand.groups;
    const order = gs
      .map((_, gi) => gi)
      .filter((gi) => !(gs[gi] as PodGroup).perNode && (gs[gi] as PodGroup).replicas > 0)
      .sort((a, b) => {
        const ga = gs[a] as PodGroup;
        const gb = gs[b] as PodGroup;
        return gb.cpuMillis - ga.cpuMillis || gb.memoryBytes - ga.memoryBytes;
      });
    plan = { order, eligible: gs.map((g) => eligibleNode(g.constraints)) };
    plans.set(demand, plan);
  }
  return plan;
}

/** A pod's request as people read it. */
export function need(g: Pick<PodGroup, "cpuMillis" | "memoryBytes">): string {
  return `cpu ${g.cpuMillis}m, memory ${mib(g.memoryBytes)}`;
}

function show(i: number): string {
  return `cpu ${cpuS[i]}m, memory ${mib(memS[i] as number)}, ${podS[i]} pod slots`;
}

function largest(m: number, eligible: Uint8Array): string {
  let cpu = 0;
  let mem = 0;
  for (let i = 0; i < m; i++) {
    if (!eligible[i]) continue;
    cpu = Math.max(cpu, cpuS[i] as number);
    mem = Math.max(mem, memS[i] as number);
  }
  return `cpu ${cpu}m, memory ${mib(mem)}`;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10}Mi`;
}
