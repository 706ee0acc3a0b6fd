/**
 * What a rendered release asks of a cluster: one pod group per workload, each
 * with its per-pod request (the shared Kubernetes rule), its replica count and
 * the node constraints of its pod template.
 */
import { AppError, ErrorCode, podSpecRequests } from "@smart-orchestrator/shared";
import {
  type NodeSelectorRequirement,
  type NodeSelectorTerm,
  type PodConstraints,
  readConstraints,
} from "./pod-constraints.js";

export type { NodeSelectorRequirement, NodeSelectorTerm, PodConstraints };

/** Per-pod request used when a pod asks for nothing (the Kubernetes scheduler's own scoring defaults). */
export interface DefaultRequests {
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

/** Kubernetes' `DefaultMilliCPURequest` and `DefaultMemoryRequest` (100m, 200 MiB). */
export const kubernetesDefaultRequests: DefaultRequests = {
  cpuMillis: 100,
  memoryBytes: 200 * 1024 * 1024,
};

/** The pods of one workload. */
export interface PodGroup {
  /** `Kind/name`, e.g. `Deployment/podinfo`. */
  readonly workload: string;
  /** Pods wanted at once; for a DaemonSet, 1 per eligible node (see {@link perNode}). */
  readonly replicas: number;
  /** A DaemonSet: one pod on every node it is eligible for. */
  readonly perNode: boolean;
  readonly cpuMillis: number;
  readonly memoryBytes: number;
  /** True when a request was missing and the default stood in for it. */
  readonly defaulted: boolean;
  readonly constraints: PodConstraints;
}

/** Every pod group of a release. */
export interface WorkloadDemand {
  readonly groups: readonly PodGroup[];
}

/** A rendered object as far as demand reading goes. */
type Obj = Readonly<Record<string, unknown>>;

/**
 * Reads the pod groups of rendered objects: Deployments, StatefulSets,
 * ReplicaSets, DaemonSets, Jobs and bare Pods (other kinds ask nothing of a
 * node). A Job runs `min(parallelism, completions)` pods at once. Throws
 * `AppError(invalid_argument)` naming the workload when a quantity or the
 * replica count is malformed.
 */
export function workloadDemand(
  objects: readonly unknown[],
  defaults: DefaultRequests = kubernetesDefaultRequests,
): WorkloadDemand {
  const groups: PodGroup[] = [];
  for (const raw of objects) {
    const o = asObj(raw);
    const kind = typeof o.kind === "string" ? o.kind : "";
    const name = typeof asObj(o.metadata).name === "string" ? String(asObj(o.metadata).name) : "?";
    const workload = `${kind}/${name}`;
    const spec = asObj(o.spec);
    let podSpec: Obj;
    let replicas = 1;
    let perNode = false;
    switch (kind) {
      case "Deployment":
      case "StatefulSet":
      case "ReplicaSet":
        podSpec = asObj(asObj(spec.template).spec);
        replicas = count(spec.replicas, 1, workload, "spec.replicas");
        break;
      case "DaemonSet":
        podSpec = asObj(asObj(spec.template).spec);
        perNode = true;
        break;
      case "Job": {
        podSpec = asObj(asObj(spec.template).spec);
        const parallelism = count(spec.parallelism, 1, workload, "spec.parallelism");
        const completions = count(spec.completions, parallelism, workload, "spec.completions");
        replicas = Math.min(parallelism, completions);
        break;
      }
      case "Pod":
        podSpec = spec;
        break;
      default:
        continue;
    }
    let req: ReturnType<typeof podSpecRequests>;
    try {
      req = podSpecRequests(podSpec);
    } catch (err) {
      throw new AppError(ErrorCode.InvalidArgument, `${workload}: ${AppError.from(err).message}`, {
        cause: err,
      });
    }
    const cpu = Number(req.cpuMillis);
    const mem = Number(req.memoryBytes);
    groups.push({
      workload,
      replicas: perNode ? 1 : replicas,
      perNode,
      cpuMillis: cpu > 0 ? cpu : defaults.cpuMillis,
      memoryBytes: mem > 0 ? mem : defaults.memoryBytes,
      defaulted: cpu <= 0 || mem <= 0,
      constraints: readConstraints(podSpec),
    });
  }
  return { groups };
}

function count(v: unknown, fallback: number, workload: string, field: string): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new AppError(
      ErrorCode.InvalidArgument,
      `${workload}: ${field} must be a whole number ≥ 0, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function asObj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
