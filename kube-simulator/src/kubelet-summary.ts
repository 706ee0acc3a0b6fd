/**
 * The kubelet Summary API (`/stats/summary`), shaped like the real response
 * in test/fixtures/k8s/kubelet-stats-summary-honeycomb.json. Unlike that
 * older capture (whose node-level `network` has an empty name and only an
 * `interfaces` list), it fills the top-level counters of the default
 * interface as current kubelets do, and lists the interfaces too; a reader
 * should handle both shapes.
 */
import { parseBytes } from "@smart-orchestrator/shared";
import { type JsonObject, type KubeObject, objectAt, timestamp } from "./kube-object.js";
import {
  containerUsage,
  type FiguresContext,
  filesystem,
  networkCounters,
  nodeUsage,
  podUsage,
  runningPodsOn,
} from "./live-figures.js";
import { counterAt } from "./usage-model.js";

/** Builds `/stats/summary` for one node. */
export function kubeletSummary(
  ctx: FiguresContext,
  node: KubeObject,
  pods: readonly KubeObject[],
): JsonObject {
  const name = node.metadata.name!;
  const at = timestamp(ctx.now);
  const boot = timestamp(ctx.bootMs);
  const usage = nodeUsage(ctx, node, pods);
  const memCapacity = Number(
    parseBytes(String(objectAt(objectAt(node, "status"), "capacity").memory ?? "0")),
  );
  const fs = filesystem(ctx, node);
  const net = networkCounters(ctx, name);
  const inodes = Math.round(fs.capacity / 16384);
  const inodesUsed = Math.round(inodes * (fs.used / fs.capacity));
  const fsStats = {
    time: at,
    availableBytes: fs.available,
    capacityBytes: fs.capacity,
    usedBytes: fs.used,
    inodesFree: inodes - inodesUsed,
    inodes,
    inodesUsed,
  };
  const cpuStats = (nano: number, key: string, since: number) => ({
    time: at,
    usageNanoCores: nano,
    usageCoreNanoSeconds: counterAt(ctx.seed, key, Math.max(nano, 1), since, ctx.now),
  });
  const memStats = (bytes: number, available?: number) => ({
    time: at,
    ...(available === undefined ? {} : { availableBytes: available }),
    usageBytes: Math.round(bytes * 1.3),
    workingSetBytes: bytes,
    rssBytes: Math.round(bytes * 0.6),
    pageFaults: 0,
    majorPageFaults: 0,
  });
  const mainInterface = { name: "eth0", ...net, rxErrors: 0, txErrors: 0 };
  return {
    node: {
      nodeName: name,
      systemContainers: [
        {
          name: "kubelet",
          startTime: boot,
          cpu: cpuStats(Math.round(usage.cpuNanoCores * 0.1), `${name}/kubelet`, ctx.bootMs),
          memory: memStats(60 * 2 ** 20),
        },
        {
          name: "pods",
          startTime: boot,
          cpu: cpuStats(Math.round(usage.cpuNanoCores * 0.7), `${name}/pods`, ctx.bootMs),
          memory: memStats(
            Math.round(usage.memoryBytes * 0.7),
            memCapacity - Math.round(usage.memoryBytes * 0.7),
          ),
        },
      ],
      startTime: boot,
      cpu: cpuStats(usage.cpuNanoCores, `${name}/cpu-total`, ctx.bootMs),
      memory: memStats(usage.memoryBytes, Math.max(0, memCapacity - usage.memoryBytes)),
      network: {
        time: at,
        ...mainInterface,
        interfaces: [
          mainInterface,
          {
            name: "flannel.1",
            rxBytes: Math.floor(net.rxBytes / 5),
            rxErrors: 0,
            txBytes: Math.floor(net.txBytes / 5),
            txErrors: 0,
          },
        ],
      },
      fs: fsStats,
      runtime: { imageFs: { ...fsStats, usedBytes: Math.round(fs.used * 0.4) } },
      rlimit: { time: at, maxpid: 4194304, curproc: 180 + runningPodsOn(name, pods).length * 12 },
    },
    pods: runningPodsOn(name, pods).map((pod) => podSummary(ctx, pod, fsStats, at)),
  };
}

function podSummary(
  ctx: FiguresContext,
  pod: KubeObject,
  fsStats: JsonObject,
  at: string,
): JsonObject {
  const uid = pod.metadata.uid ?? "";
  const started = String(objectAt(pod, "status").startTime ?? pod.metadata.creationTimestamp ?? at);
  const startMs = Date.parse(started);
  const usage = podUsage(ctx, pod);
  const rx = counterAt(ctx.seed, `${uid}/rx`, 2000, startMs, ctx.now);
  const tx = counterAt(ctx.seed, `${uid}/tx`, 1500, startMs, ctx.now);
  const eth0 = { name: "eth0", rxBytes: rx, rxErrors: 0, txBytes: tx, txErrors: 0 };
  const mem = (bytes: number) => ({
    time: at,
    usageBytes: bytes,
    workingSetBytes: bytes,
    rssBytes: Math.round(bytes * 0.8),
    pageFaults: 0,
    majorPageFaults: 0,
  });
  const cpu = (nano: number, key: string) => ({
    time: at,
    usageNanoCores: nano,
    usageCoreNanoSeconds: counterAt(ctx.seed, key, Math.max(nano, 1), startMs, ctx.now),
  });
  return {
    podRef: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid },
    startTime: started,
    containers: containerUsage(ctx, pod).map((c) => ({
      name: c.name,
      startTime: started,
      cpu: cpu(c.usage.cpuNanoCores, `${uid}/${c.name}/cpu`),
      memory: mem(c.usage.memoryBytes),
      rootfs: { ...fsStats, usedBytes: 24576, inodesUsed: 7 },
      logs: { ...fsStats, usedBytes: 8192, inodesUsed: 1 },
    })),
    cpu: cpu(usage.cpuNanoCores, `${uid}/cpu`),
    memory: mem(usage.memoryBytes),
    network: { time: at, ...eth0, interfaces: [eth0] },
    volume: [],
    "ephemeral-storage": { ...fsStats, usedBytes: 32768, inodesUsed: 8 },
  };
}
