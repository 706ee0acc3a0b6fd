import type { Node, NodeReport } from "@smart-orchestrator/shared";

const gi = 2 ** 30;

function node(i: number, role: "control-plane" | "worker"): Node {
  const name = `node-${i}`;
  return {
    name,
    labels: {
      "beta.kubernetes.io/arch": "amd64",
      "beta.kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/hostname": name,
      "kubernetes.io/os": "linux",
      [`node-role.kubernetes.io/${role}`]: "",
      "node.kubernetes.io/instance-type": "k3s",
      "topology.kubernetes.io/zone": "edge-a",
    },
    taints:
      role === "control-plane"
        ? [{ key: "node-role.kubernetes.io/control-plane", value: "", effect: "NoSchedule" }]
        : [],
    ready: true,
    architecture: "amd64",
    kubeletVersion: "v1.31.4+k3s1",
    capacity: { cpuMillis: 4000, memoryBytes: 8 * gi, pods: 110, ephemeralStorageBytes: 64 * gi },
    allocatable: {
      cpuMillis: 4000,
      memoryBytes: 7.5 * gi,
      pods: 110,
      ephemeralStorageBytes: 60 * gi,
    },
    requested: {
      cpuMillis: 850 + 100 * i,
      memoryBytes: Math.round(1.2 * gi),
      pods: 9,
      ephemeralStorageBytes: 0,
    },
    usage: {
      cpuMillis: 420 + 10 * i,
      memoryBytes: Math.round(2.1 * gi),
      networkRxBytesPerSecond: 18_500.5,
      networkTxBytesPerSecond: 9_200.25,
      filesystemUsedBytes: 11 * gi,
      filesystemCapacityBytes: 64 * gi,
      unavailable: {},
    },
  };
}

/** A 3-node k3s cluster (one control plane, two workers) with usage, as a real agent sends it. */
export function threeNodeReport(): NodeReport {
  return {
    observedAtMs: Date.now(),
    nodes: [node(0, "control-plane"), node(1, "worker"), node(2, "worker")],
  };
}
