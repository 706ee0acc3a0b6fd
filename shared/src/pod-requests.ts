/**
 * The one copy of Kubernetes' pod request rule, used by the agent (what a
 * node's pods hold), the simulator (whether a pod fits) and the control
 * plane's scheduler (what a workload asks for).
 *
 * The shapes are structural and read defensively, so a typed `V1Pod`, a
 * simulator object or a rendered chart's JSON all pass as they are.
 */
import { parseBytes, parseMillis } from "./quantity.js";

/** Resource requests as exact integers: CPU millicores, memory bytes. */
export interface Requests {
  cpuMillis: bigint;
  memoryBytes: bigint;
  ephemeralStorageBytes: bigint;
}

/** The part of a container the request rule reads. */
export interface ContainerLike {
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string>>;
    readonly limits?: Readonly<Record<string, string>>;
  };
  /** "Always" on an init container marks a sidecar. */
  readonly restartPolicy?: string;
}

/** The part of a pod spec the request rule reads. */
export interface PodSpecLike {
  readonly containers?: readonly ContainerLike[];
  readonly initContainers?: readonly ContainerLike[];
  readonly overhead?: Readonly<Record<string, string>>;
}

/** The part of a pod {@link holdsResources} reads. */
export interface PodLike {
  readonly spec?: { readonly nodeName?: string };
  readonly status?: { readonly phase?: string };
}

/** An empty request total. */
export function noRequests(): Requests {
  return { cpuMillis: 0n, memoryBytes: 0n, ephemeralStorageBytes: 0n };
}

/** Whether a pod still holds its node's resources (the scheduler's rule: bound, not Succeeded or Failed). */
export function holdsResources(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return !!pod.spec?.nodeName && phase !== "Succeeded" && phase !== "Failed";
}

/**
 * A pod's effective request, as the scheduler computes it: the larger of the
 * sum over app containers (plus restartable "sidecar" init containers) and
 * the largest plain init container (with the sidecars started before it),
 * plus the pod overhead. A quantity that does not parse throws
 * `AppError(invalid_argument)` naming it.
 */
export function podSpecRequests(spec: PodSpecLike | undefined): Requests {
  const total = noRequests();
  if (!spec) return total;
  for (const c of list(spec.containers)) add(total, containerRequests(c));
  const sidecars = noRequests();
  const initMax = noRequests();
  for (const c of list(spec.initContainers)) {
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
  const overhead = record(spec.overhead);
  const cpu = quantity(overhead.cpu);
  const mem = quantity(overhead.memory);
  if (cpu) total.cpuMillis += parseMillis(cpu);
  if (mem) total.memoryBytes += parseBytes(mem);
  return total;
}

/** Adds `b` into `a`. */
export function add(a: Requests, b: Requests): void {
  a.cpuMillis += b.cpuMillis;
  a.memoryBytes += b.memoryBytes;
  a.ephemeralStorageBytes += b.ephemeralStorageBytes;
}

function containerRequests(c: ContainerLike): Requests {
  const res = record(c.resources);
  const req = record(res.requests);
  // As the scheduler does: a limit without a request counts as the request.
  const lim = record(res.limits);
  const cpu = quantity(req.cpu ?? lim.cpu);
  const mem = quantity(req.memory ?? lim.memory);
  const eph = quantity(req["ephemeral-storage"] ?? lim["ephemeral-storage"]);
  return {
    cpuMillis: cpu ? parseMillis(cpu) : 0n,
    memoryBytes: mem ? parseBytes(mem) : 0n,
    ephemeralStorageBytes: eph ? parseBytes(eph) : 0n,
  };
}

// Rendered YAML may carry `cpu: 1` as a number; Kubernetes reads it as "1".
function quantity(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function record(v: unknown): Readonly<Record<string, unknown>> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

function list<T>(v: readonly T[] | undefined): readonly T[] {
  return Array.isArray(v) ? v.filter((c) => typeof c === "object" && c !== null) : [];
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
