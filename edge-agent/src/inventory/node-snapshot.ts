import type { V1Node } from "@kubernetes/client-node";
import {
  type Node,
  parseBytes,
  parseMillis,
  parseQuantity,
  type Requests,
  type Resources,
  toInteger,
  toSafeNumber,
} from "@smart-orchestrator/shared";

/** Builds the wire form of one node from its object and the requests of its pods. */
export function toReportNode(node: V1Node, requested: Requests, podCount: number): Node {
  const labels = node.metadata?.labels ?? {};
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  return {
    name: node.metadata?.name ?? "",
    labels: { ...labels },
    taints: (node.spec?.taints ?? []).map((t) => ({
      key: t.key,
      value: t.value ?? "",
      effect: t.effect,
    })),
    ready: ready && !node.spec?.unschedulable,
    architecture: labels["kubernetes.io/arch"] ?? node.status?.nodeInfo?.architecture ?? "",
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? "",
    capacity: resources(node.status?.capacity),
    allocatable: resources(node.status?.allocatable),
    requested: {
      cpuMillis: toSafeNumber(requested.cpuMillis),
      memoryBytes: toSafeNumber(requested.memoryBytes),
      pods: podCount,
      ephemeralStorageBytes: toSafeNumber(requested.ephemeralStorageBytes),
    },
  };
}

function resources(list: Record<string, string> | undefined): Resources {
  const r = list ?? {};
  return {
    cpuMillis: r.cpu ? toSafeNumber(parseMillis(r.cpu)) : 0,
    memoryBytes: r.memory ? toSafeNumber(parseBytes(r.memory)) : 0,
    pods: r.pods ? toSafeNumber(toInteger(parseQuantity(r.pods))) : 0,
    ephemeralStorageBytes: r["ephemeral-storage"]
      ? toSafeNumber(parseBytes(r["ephemeral-storage"]))
      : 0,
  };
}
