/**
 * Hand-built nodes, clusters and workloads for placement tests and the
 * scheduler benchmark: every figure is chosen so the answer is known.
 */
import type { Node } from "@smart-orchestrator/shared";
import { nodeTable } from "./node-table.js";
import type { CandidateCluster } from "./scheduler.js";

/** Bytes in a mebibyte. */
export const Mi = 1024 * 1024;

/** Options of {@link node}; every figure has a plain default. */
export interface NodeOptions {
  readonly name: string;
  readonly cpu?: number;
  readonly memMi?: number;
  readonly pods?: number;
  readonly usedCpu?: number;
  readonly usedMemMi?: number;
  readonly usedPods?: number;
  readonly arch?: string;
  readonly ready?: boolean;
  readonly labels?: Record<string, string>;
  readonly taints?: { key: string; value?: string; effect: string }[];
}

/** A reported node: allocatable `cpu` millicores and `memMi` MiB, with `used*` already requested. */
export function node(o: NodeOptions): Node {
  const arch = o.arch ?? "amd64";
  return {
    name: o.name,
    labels: { "kubernetes.io/arch": arch, "kubernetes.io/hostname": o.name, ...o.labels },
    taints: (o.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? "", effect: t.effect })),
    ready: o.ready ?? true,
    architecture: arch,
    kubeletVersion: "v1.31.0",
    capacity: res(o.cpu ?? 4000, (o.memMi ?? 8192) * Mi, o.pods ?? 110),
    allocatable: res(o.cpu ?? 4000, (o.memMi ?? 8192) * Mi, o.pods ?? 110),
    requested: res(o.usedCpu ?? 0, (o.usedMemMi ?? 0) * Mi, o.usedPods ?? 0),
    usage: undefined,
  };
}

function res(cpuMillis: number, memoryBytes: number, pods: number) {
  return { cpuMillis, memoryBytes, pods, ephemeralStorageBytes: 0 };
}

/** A connected edge cluster with these nodes. */
export function cluster(
  name: string,
  nodes: Node[],
  more: Partial<CandidateCluster> = {},
): CandidateCluster {
  return {
    id: `id-${name}`,
    name,
    cloud: false,
    connected: true,
    table: nodeTable(nodes),
    rxBytesPerSecond: null,
    ...more,
  };
}

/** Options of {@link deployment}. */
export interface DeploymentOptions {
  readonly replicas?: number;
  readonly cpu?: string;
  readonly memory?: string;
  readonly nodeSelector?: Record<string, string>;
  readonly affinity?: unknown;
  readonly tolerations?: unknown[];
  readonly kind?: string;
}

/** A rendered Deployment (or another pod-template kind) as Helm would emit it. */
export function deployment(name: string, o: DeploymentOptions = {}): Record<string, unknown> {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: "apps/v1",
    kind: o.kind ?? "Deployment",
    metadata: { name },
    spec: {
      ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
      template: {
        spec: {
          containers: [{ name: "app", image: "x", resources: { requests } }],
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
          ...(o.affinity ? { affinity: o.affinity } : {}),
          ...(o.tolerations ? { tolerations: o.tolerations } : {}),
        },
      },
    },
  };
}
