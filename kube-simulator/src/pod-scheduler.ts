/**
 * Just enough of the scheduler and the kubelet for readiness to be
 * observable: pick a node a pod fits on (Ready, schedulable, taints
 * tolerated, node selector and required node affinity matched, requests within allocatable minus what
 * other pods request), and write the pod as the kubelet would report it
 * once running.
 */
import {
  type PodSpecLike,
  parseBytes,
  parseMillis,
  podSpecRequests,
} from "@smart-orchestrator/shared";
import {
  arrayAt,
  isObject,
  type JsonObject,
  type KubeObject,
  objectAt,
  timestamp,
} from "./kube-object.js";
import { requiredAffinityAdmits } from "./node-affinity.js";
import { isNodeReady } from "./node-factory.js";

/** CPU millicores and memory bytes a pod asks for. */
export interface PodRequests {
  readonly cpuMillis: bigint;
  readonly memoryBytes: bigint;
}

function quantityOr0(value: unknown, parse: (s: string) => bigint): bigint {
  if (typeof value !== "string" && typeof value !== "number") return 0n;
  try {
    return parse(String(value));
  } catch {
    return 0n;
  }
}

/**
 * The effective requests of a pod spec, by the one shared copy of the
 * Kubernetes rule (init containers, sidecars, overhead).
 */
export function podRequests(podSpec: JsonObject): PodRequests {
  try {
    const r = podSpecRequests(podSpec as PodSpecLike);
    return { cpuMillis: r.cpuMillis, memoryBytes: r.memoryBytes };
  } catch {
    // A real API server refuses a malformed quantity; here such a pod simply asks nothing.
    return { cpuMillis: 0n, memoryBytes: 0n };
  }
}

/** True for pods that hold node resources (not Succeeded or Failed). */
export function isActivePod(pod: KubeObject): boolean {
  const phase = objectAt(pod, "status").phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

function tolerates(podSpec: JsonObject, taint: JsonObject): boolean {
  if (taint.effect === "PreferNoSchedule") return true;
  return arrayAt(podSpec, "tolerations").some((raw) => {
    if (!isObject(raw)) return false;
    if (raw.effect && raw.effect !== taint.effect) return false;
    if (raw.operator === "Exists") return !raw.key || raw.key === taint.key;
    return raw.key === taint.key && (raw.value ?? "") === (taint.value ?? "");
  });
}

/** Why a node cannot take a pod, or undefined when it can. */
export function unfitReason(
  node: KubeObject,
  podSpec: JsonObject,
  requested: PodRequests,
  pods: readonly KubeObject[],
): string | undefined {
  const spec = objectAt(node, "spec");
  if (!isNodeReady(node)) return "node(s) were not ready";
  if (spec.unschedulable === true) return "node(s) were unschedulable";
  for (const taint of arrayAt(spec, "taints")) {
    if (isObject(taint) && !tolerates(podSpec, taint)) {
      return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
    }
  }
  const selector = objectAt(podSpec, "nodeSelector");
  const labels = node.metadata.labels ?? {};
  if (
    Object.entries(selector).some(([k, v]) => labels[k] !== v) ||
    !requiredAffinityAdmits(podSpec, node)
  ) {
    return "node(s) didn't match Pod's node affinity/selector";
  }
  const allocatable = objectAt(objectAt(node, "status"), "allocatable");
  const used = requestedOnNode(node.metadata.name!, pods);
  if (used.cpuMillis + requested.cpuMillis > quantityOr0(allocatable.cpu, parseMillis))
    return "Insufficient cpu";
  if (used.memoryBytes + requested.memoryBytes > quantityOr0(allocatable.memory, parseBytes)) {
    return "Insufficient memory";
  }
  const maxPods = Number(allocatable.pods ?? 110);
  if (
    pods.filter((p) => objectAt(p, "spec").nodeName === node.metadata.name && isActivePod(p))
      .length >= maxPods
  ) {
    return "Too many pods";
  }
  return undefined;
}

/** The sum of the requests of the active pods bound to a node. */
export function requestedOnNode(nodeName: string, pods: readonly KubeObject[]): PodRequests {
  let cpu = 0n;
  let mem = 0n;
  for (const pod of pods) {
    const spec = objectAt(pod, "spec");
    if (spec.nodeName !== nodeName || !isActivePod(pod)) continue;
    const r = podRequests(spec);
    cpu += r.cpuMillis;
    mem += r.memoryBytes;
  }
  return { cpuMillis: cpu, memoryBytes: mem };
}

/**
 * The node to bind to: among the nodes that fit, the one with the most free
 * CPU (the default scheduler's spreading, roughly), ties by name; or the
 * scheduler's "0/N nodes are available" message.
 */
export function pickNode(
  nodes: readonly KubeObject[],
  podSpec: JsonObject,
  pods: readonly KubeObject[],
): { node: KubeObject } | { message: string } {
  const requested = podRequests(podSpec);
  const reasons = new Map<string, number>();
  let best: { node: KubeObject; free: bigint } | undefined;
  for (const node of [...nodes].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))) {
    const why = unfitReason(node, podSpec, requested, pods);
    if (why) {
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      continue;
    }
    const allocatable = objectAt(objectAt(node, "status"), "allocatable");
    const free =
      quantityOr0(allocatable.cpu, parseMillis) -
      requestedOnNode(node.metadata.name!, pods).cpuMillis;
    if (!best || free > best.free) best = { node, free };
  }
  if (best) return { node: best.node };
  const detail = [...reasons].map(([why, n]) => `${n} ${why}`).join(", ");
  return { message: `0/${nodes.length} nodes are available: ${detail}.` };
}

function qosClass(podSpec: JsonObject): string {
  let any = false;
  let guaranteed = true;
  for (const c of arrayAt(podSpec, "containers")) {
    const res = isObject(c) ? objectAt(c, "resources") : {};
    const req = objectAt(res, "requests");
    const lim = objectAt(res, "limits");
    if (Object.keys(req).length + Object.keys(lim).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/** The status the kubelet reports for a pod bound to `node`: Running and Ready, or Succeeded. */
export function runningStatus(
  podSpec: JsonObject,
  node: KubeObject,
  podIp: string,
  now: number,
  phase: "Running" | "Succeeded" = "Running",
): JsonObject {
  const at = timestamp(now);
  const hostIp = arrayAt(objectAt(node, "status"), "addresses")
    .filter(isObject)
    .find((a) => a.type === "InternalIP")?.address;
  const ready = phase === "Running" ? "True" : "False";
  const cond = (type: string, status: string, reason?: string) => ({
    lastProbeTime: null,
    lastTransitionTime: at,
    status,
    type,
    ...(reason ? { reason } : {}),
  });
  return {
    conditions: [
      cond("PodReadyToStartContainers", ready),
      cond("Initialized", "True"),
      cond("Ready", ready, phase === "Succeeded" ? "PodCompleted" : undefined),
      cond("ContainersReady", ready, phase === "Succeeded" ? "PodCompleted" : undefined),
      cond("PodScheduled", "True"),
    ],
    containerStatuses: arrayAt(podSpec, "containers")
      .filter(isObject)
      .map((c, i) => ({
        containerID: `containerd://${(podIp.replaceAll(".", "") + i).padStart(64, "0")}`,
        image: c.image,
        imageID: `${c.image}@sha256:${"0".repeat(64)}`,
        lastState: {},
        name: c.name,
        ready: phase === "Running",
        restartCount: 0,
        started: phase === "Running",
        state:
          phase === "Running"
            ? { running: { startedAt: at } }
            : { terminated: { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at } },
      })),
    hostIP: hostIp,
    hostIPs: hostIp ? [{ ip: hostIp }] : [],
    phase,
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    qosClass: qosClass(podSpec),
    startTime: at,
  };
}

/** The status of a pod no node can take. */
export function pendingStatus(podSpec: JsonObject, message: string, now: number): JsonObject {
  return {
    conditions: [
      {
        lastProbeTime: null,
        lastTransitionTime: timestamp(now),
        message,
        reason: "Unschedulable",
        status: "False",
        type: "PodScheduled",
      },
    ],
    phase: "Pending",
    qosClass: qosClass(podSpec),
  };
}
