/**
 * `metrics.k8s.io/v1beta1` NodeMetrics and PodMetrics, as metrics-server
 * serves them: CPU in nanocores ("123456789n"), memory working set in Ki,
 * a 15 s scrape window, and figures that hold still within a window (the
 * timestamp is the start of the window) and move between windows.
 */

import { type JsonObject, type KubeObject, objectAt, timestamp } from "./kube-object.js";
import { containerUsage, type FiguresContext, nodeUsage } from "./live-figures.js";

/** metrics-server's default scrape resolution. */
export const metricsWindowMs = 15_000;

/** The instant the figures of a read at `now` belong to. */
export function scrapeTime(now: number): number {
  return Math.floor(now / metricsWindowMs) * metricsWindowMs;
}

function usage(cpuNanoCores: number, memoryBytes: number): JsonObject {
  return { cpu: `${cpuNanoCores}n`, memory: `${Math.round(memoryBytes / 1024)}Ki` };
}

/** One NodeMetrics object. */
export function nodeMetrics(
  ctx: FiguresContext,
  node: KubeObject,
  pods: readonly KubeObject[],
): JsonObject {
  const at = scrapeTime(ctx.now);
  const u = nodeUsage({ ...ctx, now: at }, node, pods);
  return {
    kind: "NodeMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: {
      name: node.metadata.name,
      creationTimestamp: timestamp(ctx.now),
      labels: node.metadata.labels ?? {},
    },
    timestamp: timestamp(at),
    window: `${metricsWindowMs / 1000}s`,
    usage: usage(u.cpuNanoCores, u.memoryBytes),
  };
}

/** One PodMetrics object (only running pods have one, as with metrics-server). */
export function podMetrics(ctx: FiguresContext, pod: KubeObject): JsonObject {
  const at = scrapeTime(ctx.now);
  return {
    kind: "PodMetrics",
    apiVersion: "metrics.k8s.io/v1beta1",
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      creationTimestamp: timestamp(ctx.now),
      labels: pod.metadata.labels ?? {},
    },
    timestamp: timestamp(at),
    window: `${metricsWindowMs / 1000}s`,
    containers: containerUsage({ ...ctx, now: at }, pod).map((c) => ({
      name: c.name,
      usage: usage(c.usage.cpuNanoCores, c.usage.memoryBytes),
    })),
  };
}

/** True when a pod is running and so has metrics. */
export function hasMetrics(pod: KubeObject): boolean {
  return objectAt(pod, "status").phase === "Running";
}
