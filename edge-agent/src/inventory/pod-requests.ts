import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { parseBytes, parseMillis } from "@smart-orchestrator/shared";

/** Resource requests as exact integers: CPU millicores, memory bytes. */
export interface Requests {
  cpuMillis: bigint;
  memoryBytes: bigint;
  ephemeralStorageBytes: bigint;
}

/** An empty request total. */
export function noRequests(): Requests {
  return { cpuMillis: 0n, memoryBytes: 0n, ephemeralStorageBytes: 0n };
}

/** Whether a pod still holds its node's resources (the scheduler's rule: not Succeeded or Failed). */
export function holdsResources(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== "Succeeded" && phase !== "Failed";
}

/**
 * A pod's effective request, as the scheduler computes it: the larger of the
 * sum over app containers (plus restartable "sidecar" init containers) and
 * the largest plain init container, plus the pod overhead.
 */
export function podRequests(pod: V1Pod): Requests {
  const spec = pod.spec;
  const total = noRequests();
  if (!spec) return total;
  for (const c of spec.containers ?? []) add(total, containerRequests(c));
  const sidecars = noRequests();
  const initMax = noRequests();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === "Always") {
      add(sidecars, r);
      add(total, r);
      continue;
    }
    // A plain init container runs alongside the sidecars started before it.
    initMax.cpuMillis = max(initMax.cpuMillis, r.cpuMillis + sidecars.cpuMillis);
    initMax.memoryBytes = max(initMax.memoryBytes, r.memoryBytes + sidecars.memoryBytes);
    initMax.ephemeralStorageBytes = max(
      initMax.ephemeralStorageBytes,
      r.ephemeralStorageBytes + sidecars.ephemeralStorageBytes,
    );
  }
  total.cpuMillis = max(total.cpuMillis, initMax.cpuMillis);
  total.memoryBytes = max(total.memoryBytes, initMax.memoryBytes);
  total.ephemeralStorageBytes = max(total.ephemeralStorageBytes, initMax.ephemeralStorageBytes);
  const overhead = spec.overhead ?? {};
  if (overhead.cpu) total.cpuMillis += parseMillis(overhead.cpu);
  if (overhead.memory) total.memoryBytes += parseBytes(overhead.memory);
  return total;
}

/** Adds `b` into `a`. */
export function add(a: Requests, b: Requests): void {
  a.cpuMillis += b.cpuMillis;
  a.memoryBytes += b.memoryBytes;
  a.ephemeralStorageBytes += b.ephemeralStorageBytes;
}

function containerRequests(c: V1Container): Requests {
  const req = c.resources?.requests ?? {};
  // As the scheduler does: a limit without a request counts as the request.
  const lim = c.resources?.limits ?? {};
  const cpu = req.cpu ?? lim.cpu;
  const mem = req.memory ?? lim.memory;
  const eph = req["ephemeral-storage"] ?? lim["ephemeral-storage"];
  return {
    cpuMillis: cpu ? parseMillis(cpu) : 0n,
    memoryBytes: mem ? parseBytes(mem) : 0n,
    ephemeralStorageBytes: eph ? parseBytes(eph) : 0n,
  };
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
