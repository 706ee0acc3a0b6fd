import type { KubeObject } from "./release-labels.js";

/** Whether one object is ready, and if not, why. */
export interface Readiness {
  readonly ready: boolean;
  /** Why not ready ("2 of 3 updated replicas available"); empty when ready. */
  readonly message: string;
  /** True when waiting longer cannot help (a failed Job, a rejected CRD). */
  readonly failed?: boolean;
}

type Json = Record<string, unknown>;
const ready: Readiness = { ready: true, message: "" };
const waiting = (message: string): Readiness => ({ ready: false, message });

const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : fallback);

function condition(o: KubeObject, type: string): Json | undefined {
  const list = obj(o.status).conditions;
  return Array.isArray(list)
    ? (list.map(obj).find((c) => c.type === type) ?? undefined)
    : undefined;
}

function generationObserved(o: KubeObject): Readiness | undefined {
  const generation = num(o.metadata.generation, 0);
  const observed = num(obj(o.status).observedGeneration, -1);
  return observed >= generation
    ? undefined
    : waiting(`waiting for the controller to observe generation ${generation}`);
}

/** The kinds whose readiness depends on their pods; their pods explain why they wait. */
export const podOwningKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);

function deployment(o: KubeObject): Readiness {
  const pending = generationObserved(o);
  if (pending) return pending;
  const progressing = condition(o, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded")
    return {
      ready: false,
      failed: true,
      message: `progress deadline exceeded: ${String(progressing.message ?? "")}`,
    };
  const s = obj(o.status);
  const replicas = num(obj(o.spec).replicas, 1);
  const updated = num(s.updatedReplicas);
  if (updated < replicas) return waiting(`${updated} of ${replicas} replicas updated`);
  if (num(s.replicas) > updated)
    return waiting(`${num(s.replicas) - updated} old replicas pending termination`);
  if (num(s.readyReplicas) < replicas)
    return waiting(`${num(s.readyReplicas)} of ${replicas} replicas ready`);
  if (num(s.availableReplicas) < replicas)
    return waiting(`${num(s.availableReplicas)} of ${replicas} replicas available`);
  return ready;
}

function statefulSet(o: KubeObject): Readiness {
  const pending = generationObserved(o);
  if (pending) return pending;
  const s = obj(o.status);
  const spec = obj(o.spec);
  const replicas = num(spec.replicas, 1);
  if (num(s.readyReplicas) < replicas)
    return waiting(`${num(s.readyReplicas)} of ${replicas} replicas ready`);
  if (typeof s.availableReplicas === "number" && s.availableReplicas < replicas)
    return waiting(`${s.availableReplicas} of ${replicas} replicas available`);
  const strategy = obj(spec.updateStrategy);
  if (strategy.type === "OnDelete") return ready;
  const partition = num(obj(strategy.rollingUpdate).partition, 0);
  if (partition > 0) {
    const want = replicas - partition;
    return num(s.updatedReplicas) >= want
      ? ready
      : waiting(`${num(s.updatedReplicas)} of ${want} replicas updated (partition ${partition})`);
  }
  if (typeof s.updateRevision === "string" && s.currentRevision !== s.updateRevision)
    return waiting(`${num(s.updatedReplicas)} of ${replicas} replicas updated`);
  return ready;
}

function daemonSet(o: KubeObject): Readiness {
  const pending = generationObserved(o);
  if (pending) return pending;
  const s = obj(o.status);
  const desired = num(s.desiredNumberScheduled);
  if (num(s.updatedNumberScheduled) < desired)
    return waiting(`${num(s.updatedNumberScheduled)} of ${desired} pods updated`);
  if (num(s.numberAvailable) < desired)
    return waiting(`${num(s.numberAvailable)} of ${desired} pods available`);
  return ready;
}

function job(o: KubeObject): Readiness {
  if (condition(o, "Complete")?.status === "True") return ready;
  const failed = condition(o, "Failed");
  if (failed?.status === "True")
    return {
      ready: false,
      failed: true,
      message: `Job failed: ${String(failed.reason ?? "")} ${String(failed.message ?? "")}`.trim(),
    };
  const s = obj(o.status);
  const completions = num(obj(o.spec).completions, 1);
  return waiting(`${num(s.succeeded)} of ${completions} completions, ${num(s.active)} active`);
}

function crd(o: KubeObject): Readiness {
  const names = condition(o, "NamesAccepted");
  if (names?.status === "False")
    return {
      ready: false,
      failed: true,
      message: `names not accepted: ${String(names.message ?? "")}`,
    };
  return condition(o, "Established")?.status === "True" ? ready : waiting("not established yet");
}

/**
 * Readiness of a PVC: bound, or pending under a StorageClass that binds on
 * the first consumer (nothing will bind it until a pod uses it).
 * `bindingMode` is the claim's StorageClass's volumeBindingMode, when known.
 */
function pvc(o: KubeObject, bindingMode: string | undefined): Readiness {
  const phase = obj(o.status).phase;
  if (phase === "Bound") return ready;
  if (phase === "Lost") return { ready: false, failed: true, message: "claim lost its volume" };
  if (bindingMode === "WaitForFirstConsumer") return ready;
  return waiting(`claim is ${String(phase ?? "Pending")}`);
}

/**
 * The kinds whose readiness can change after they are applied (those
 * {@link readinessOf} judges); any other kind is ready once applied.
 */
export const changingKinds: ReadonlySet<string> = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CustomResourceDefinition",
  "PersistentVolumeClaim",
]);

/** What readiness of some kinds needs besides the object itself. */
export interface ReadinessContext {
  /** volumeBindingMode of a PVC's StorageClass. */
  readonly bindingMode?: string | undefined;
}

/** Readiness of one live object, by kind; kinds without a notion of readiness are ready once applied. */
export function readinessOf(o: KubeObject, ctx: ReadinessContext = {}): Readiness {
  switch (o.kind) {
    case "Deployment":
      return deployment(o);
    case "StatefulSet":
      return statefulSet(o);
    case "DaemonSet":
      return daemonSet(o);
    case "Job":
      return job(o);
    case "CustomResourceDefinition":
      return crd(o);
    case "PersistentVolumeClaim":
      return pvc(o, ctx.bindingMode);
    default:
      return ready;
  }
}

// Waiting reasons that say nothing beyond "starting".
const benign = new Set(["ContainerCreating", "PodInitializing"]);

/**
 * The most telling problem among a workload's pods, e.g. "ImagePullBackOff:
 * pod web-1 container app: Back-off pulling image ...", or undefined when
 * none has one. Scheduling failures and container waits come from the pod
 * status, as `kubectl describe` shows them.
 */
export function podProblem(pods: readonly KubeObject[]): string | undefined {
  for (const pod of pods) {
    const status = obj(pod.status);
    const name = pod.metadata.name;
    for (const key of ["initContainerStatuses", "containerStatuses"]) {
      const list = status[key];
      if (!Array.isArray(list)) continue;
      for (const c of list.map(obj)) {
        const state = obj(c.state);
        const w = obj(state.waiting);
        if (typeof w.reason === "string" && !benign.has(w.reason))
          return `${w.reason}: pod ${name} container ${String(c.name)}${w.message ? `: ${String(w.message)}` : ""}`;
        const t = obj(obj(c.lastState).terminated);
        if (c.ready === false && typeof t.reason === "string" && num(c.restartCount) > 0)
          return `${t.reason}: pod ${name} container ${String(c.name)} restarted ${num(c.restartCount)} times`;
      }
    }
    const conditions = Array.isArray(status.conditions) ? status.conditions.map(obj) : [];
    const scheduled = conditions.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False")
      return `${String(scheduled.reason ?? "Unschedulable")}: pod ${name}: ${String(scheduled.message ?? "")}`.trim();
  }
  return undefined;
}
