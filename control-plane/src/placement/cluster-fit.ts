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
      /** What the release would take per node, to be held back until a report shows it. */
      readonly allocation: ReadonlyMap<string, Room>;
    }
  | { readonly fits: false; readonly code: RejectCode; readonly reason: string };

/** Free room per node: allocatable − requested − held, never below 0. */
export function freeRoom(
  nodes: readonly Node[],
  held?: ReadonlyMap<string, Room>,
): Map<string, Room> {
  const out = new Map<string, Room>();
  for (const n of nodes) {
    const h = held?.get(n.name);
    out.set(n.name, {
      cpuMillis: Math.max(
        0,
        (n.allocatable?.cpuMillis ?? 0) - (n.requested?.cpuMillis ?? 0) - (h?.cpuMillis ?? 0),
      ),
      memoryBytes: Math.max(
        0,
        (n.allocatable?.memoryBytes ?? 0) - (n.requested?.memoryBytes ?? 0) - (h?.memoryBytes ?? 0),
      ),
      pods: Math.max(0, (n.allocatable?.pods ?? 0) - (n.requested?.pods ?? 0) - (h?.pods ?? 0)),
    });
  }
  return out;
}

/** How many pods of `g` fit in `r`: min(⌊cpu/req⌋, ⌊mem/req⌋, slots). */
export function podsThatFit(r: Room, g: Pick<PodGroup, "cpuMillis" | "memoryBytes">): number {
  const byCpu = g.cpuMillis > 0 ? Math.floor(r.cpuMillis / g.cpuMillis) : r.pods;
  const byMem = g.memoryBytes > 0 ? Math.floor(r.memoryBytes / g.memoryBytes) : r.pods;
  return Math.min(byCpu, byMem, r.pods);
}

/**
 * Fits a release on one cluster. DaemonSet pods go first (one per eligible
 * node), then each replicated workload, largest CPU request first, one pod at
 * a time on the eligible node with the most room, so the answer says whether
 * the workloads fit together and not only one by one.
 */
export function fitCluster(
  nodes: readonly Node[],
  demand: WorkloadDemand,
  held?: ReadonlyMap<string, Room>,
): ClusterFit {
  const room = freeRoom(nodes, held);
  const allocation = new Map<string, Room>();
  const take = (node: string, g: PodGroup) => {
    const r = room.get(node) as Room;
    r.cpuMillis -= g.cpuMillis;
    r.memoryBytes -= g.memoryBytes;
    r.pods -= 1;
    const a = allocation.get(node) ?? { cpuMillis: 0, memoryBytes: 0, pods: 0 };
    allocation.set(node, a);
    a.cpuMillis += g.cpuMillis;
    a.memoryBytes += g.memoryBytes;
    a.pods += 1;
  };

  const eligible = new Map<PodGroup, Node[]>();
  for (const g of demand.groups) {
    const ok: Node[] = [];
    const why = new Map<string, number>();
    for (const n of nodes) {
      const reason = nodeIneligibility(n, g.constraints);
      if (reason === undefined) ok.push(n);
      else why.set(reason, (why.get(reason) ?? 0) + 1);
    }
    if (!ok.length && (g.perNode || g.replicas > 0)) {
      const list = [...why].map(([r, k]) => `${k} node${k === 1 ? "" : "s"}: ${r}`).join("; ");
      return reject("no-eligible-node", `${g.workload}: no eligible node (${list || "no nodes"})`);
    }
    eligible.set(g, ok);
  }

  let dsNodes = Number.POSITIVE_INFINITY;
  for (const g of demand.groups) {
    if (!g.perNode) continue;
    const ok = eligible.get(g) as Node[];
    for (const n of ok) {
      if (podsThatFit(room.get(n.name) as Room, g) < 1) {
        return reject(
          "insufficient-capacity",
          `${g.workload}: its pod (${need(g)}) does not fit on eligible node ${n.name} (${show(room.get(n.name) as Room)} free)`,
        );
      }
      take(n.name, g);
    }
    dsNodes = Math.min(dsNodes, ok.length);
  }

  const replicated = demand.groups.filter((g) => !g.perNode && g.replicas > 0);
  let maxReplicas = Number.POSITIVE_INFINITY;
  for (const g of replicated) {
    const ok = eligible.get(g) as Node[];
    let sum = 0;
    for (const n of ok) sum += podsThatFit(room.get(n.name) as Room, g);
    maxReplicas = Math.min(maxReplicas, sum);
    if (sum >= g.replicas) continue;
    if (sum === 0) {
      const cause = ok.every((n) => (room.get(n.name) as Room).pods === 0)
        ? "every eligible node is out of pod slots"
        : `no single eligible node has room for one pod (${need(g)}; largest free: ${largest(ok, room)})`;
      return reject("pod-too-large", `${g.workload}: ${cause}`);
    }
    return reject(
      "insufficient-capacity",
      `${g.workload}: room for ${sum} of ${g.replicas} replicas (${need(g)} each)`,
    );
  }

  const order = [...replicated].sort(
    (a, b) => b.cpuMillis - a.cpuMillis || b.memoryBytes - a.memoryBytes,
  );
  for (const g of order) {
    const ok = eligible.get(g) as Node[];
    for (let i = 0; i < g.replicas; i++) {
      let best: Node | undefined;
      let bestFit = 0;
      for (const n of ok) {
        const f = podsThatFit(room.get(n.name) as Room, g);
        if (f > bestFit) {
          best = n;
          bestFit = f;
        }
      }
      if (!best) {
        return reject(
          "not-together",
          `${g.workload}: the workloads fit one by one but not together (${g.replicas - i} of ${g.replicas} replicas left without room)`,
        );
      }
      take(best.name, g);
    }
  }

  if (!replicated.length) maxReplicas = dsNodes === Number.POSITIVE_INFINITY ? 0 : dsNodes;
  return { fits: true, maxReplicas, allocation };
}

function reject(code: RejectCode, reason: string): ClusterFit {
  return { fits: false, code, reason };
}

/** A pod's request as people read it. */
export function need(g: Pick<PodGroup, "cpuMillis" | "memoryBytes">): string {
  return `cpu ${g.cpuMillis}m, memory ${mib(g.memoryBytes)}`;
}

function show(r: Room): string {
  return `cpu ${r.cpuMillis}m, memory ${mib(r.memoryBytes)}, ${r.pods} pod slots`;
}

function largest(nodes: readonly Node[], room: ReadonlyMap<string, Room>): string {
  let cpu = 0;
  let mem = 0;
  for (const n of nodes) {
    const r = room.get(n.name) as Room;
    cpu = Math.max(cpu, r.cpuMillis);
    mem = Math.max(mem, r.memoryBytes);
  }
  return `cpu ${cpu}m, memory ${mib(mem)}`;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10}Mi`;
}
