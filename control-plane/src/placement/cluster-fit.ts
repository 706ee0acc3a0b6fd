/**
 * Whether one cluster can take a release, from its latest report: free room
 * per node (DESIGN section 5), pods placed one at a time as the Kubernetes
 * scheduler places them, and `maxReplicas` as the sum over eligible nodes.
 */
import type { Node } from "@smart-orchestrator/shared";
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
  nodes.forEach((n, i) => {
    load(n, i, held);
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
let allocS = new Float64Array(64);
let eligS = new Uint8Array(64);

function ensure(nodes: number, groups: number): void {
  if (cpuS.length < nodes) {
    cpuS = new Float64Array(nodes * 2);
    memS = new Float64Array(nodes * 2);
    podS = new Float64Array(nodes * 2);
    allocS = new Float64Array(nodes * 2);
  }
  if (eligS.length < nodes * groups) eligS = new Uint8Array(nodes * groups * 2);
}

function load(n: Node, i: number, held: ReadonlyMap<string, Room> | undefined): void {
  const h = held?.get(n.name);
  const a = n.allocatable;
  const q = n.requested;
  cpuS[i] = Math.max(0, (a?.cpuMillis ?? 0) - (q?.cpuMillis ?? 0) - (h?.cpuMillis ?? 0));
  memS[i] = Math.max(0, (a?.memoryBytes ?? 0) - (q?.memoryBytes ?? 0) - (h?.memoryBytes ?? 0));
  podS[i] = Math.max(0, (a?.pods ?? 0) - (q?.pods ?? 0) - (h?.pods ?? 0));
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
  const m = nodes.length;
  const groups = demand.groups;
  ensure(Math.max(1, m), Math.max(1, groups.length));
  for (let i = 0; i < m; i++) {
    load(nodes[i] as Node, i, held);
    allocS[i] = 0;
  }
  const perNodeAlloc = allocate ? new Map<string, Room>() : undefined;
  const eligibleCount: number[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi] as PodGroup;
    let ok = 0;
    for (let i = 0; i < m; i++) {
      const yes = nodeIneligibility(nodes[i] as Node, g.constraints, false) === undefined;
      eligS[gi * m + i] = yes ? 1 : 0;
      if (yes) ok++;
    }
    if (!ok && (g.perNode || g.replicas > 0)) {
      return reject("no-eligible-node", `${g.workload}: no eligible node (${whyNot(nodes, g)})`);
    }
    eligibleCount.push(ok);
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
        return reject(
          "insufficient-capacity",
          `${g.workload}: its pod (${need(g)}) does not fit on eligible node ${n.name} (${show(i)} free)`,
        );
      }
      take(nodes, i, g, perNodeAlloc);
      needCpu += g.cpuMillis;
      needMem += g.memoryBytes;
    }
    dsNodes = Math.min(dsNodes, eligibleCount[gi] as number);
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
      return reject("pod-too-large", `${g.workload}: ${cause}`);
    }
    return reject(
      "insufficient-capacity",
      `${g.workload}: room for ${sum} of ${g.replicas} replicas (${need(g)} each)`,
    );
  }

  for (const gi of placingOrder(demand)) {
    const g = groups[gi] as PodGroup;
    for (let r = 0; r < g.replicas; r++) {
      let best = -1;
      let bestFit = 0;
      for (let i = 0; i < m; i++) {
        if (!eligS[gi * m + i]) continue;
        const f = fitCount(
          cpuS[i] as number,
          memS[i] as number,
          podS[i] as number,
          g.cpuMillis,
          g.memoryBytes,
        );
        if (f > bestFit) {
          best = i;
          bestFit = f;
        }
      }
      if (best < 0) {
        return reject(
          "not-together",
          `${g.workload}: the workloads fit one by one but not together (${g.replicas - r} of ${g.replicas} replicas left without room)`,
        );
      }
      take(nodes, best, g, perNodeAlloc);
    }
    needCpu += g.cpuMillis * g.replicas;
    needMem += g.memoryBytes * g.replicas;
  }

  if (!replicated) maxReplicas = dsNodes === Number.POSITIVE_INFINITY ? 0 : dsNodes;
  return {
    fits: true,
    maxReplicas,
    needCpuMillis: needCpu,
    needMemoryBytes: needMem,
    ...(perNodeAlloc ? { allocation: perNodeAlloc } : {}),
  };
}

/** Why no node is eligible, grouped by reason: "3 nodes: not Ready; 1 node: taint …". */
function whyNot(nodes: readonly Node[], g: PodGroup): string {
  // Few distinct reasons per cluster: a linear list beats a Map here.
  const reasons: string[] = [];
  const counts: number[] = [];
  for (const n of nodes) {
    const r = nodeIneligibility(n, g.constraints) as string;
    const at = reasons.indexOf(r);
    if (at >= 0) counts[at] = (counts[at] as number) + 1;
    else {
      reasons.push(r);
      counts.push(1);
    }
  }
  let out = "";
  for (let i = 0; i < reasons.length; i++) {
    const k = counts[i] as number;
    out += `${i ? "; " : ""}${k} node${k === 1 ? "" : "s"}: ${reasons[i]}`;
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

const orders = new WeakMap<WorkloadDemand, readonly number[]>();

/** Replicated groups, largest CPU request first; computed once per demand, not per cluster. */
function placingOrder(demand: WorkloadDemand): readonly number[] {
  let order = orders.get(demand);
  if (!order) {
    const gs = demand.groups;
    order = gs
      .map((_, gi) => gi)
      .filter((gi) => !(gs[gi] as PodGroup).perNode && (gs[gi] as PodGroup).replicas > 0)
      .sort((a, b) => {
        const ga = gs[a] as PodGroup;
        const gb = gs[b] as PodGroup;
        return gb.cpuMillis - ga.cpuMillis || gb.memoryBytes - ga.memoryBytes;
      });
    orders.set(demand, order);
  }
  return order;
}

function reject(code: RejectCode, reason: string): ClusterFit {
  return { fits: false, code, reason };
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
