/**
 * Documented knobs that make a pod misbehave, so timeouts and failed hooks can
 * be tested. Set them as annotations on a pod, or on a workload's pod
 * template (pods copy those):
 *
 *   simulator.smart-orchestrator.io/never-ready: "true"       running, but no container ever Ready
 *   simulator.smart-orchestrator.io/image-pull-fails: "true"  bound, then ImagePullBackOff
 *   simulator.smart-orchestrator.io/fails: "true"             the container exits 1 (a Job fails)
 *
 * Each rewrites the status the kubelet would report as the real kubelet
 * reports that situation (reasons and messages as `kubectl get pods` shows).
 */
import { arrayAt, isObject, type JsonObject, type KubeObject, objectAt } from "./kube-object.js";

const prefix = "simulator.smart-orchestrator.io/";
/** The knob annotations. */
export const knobs = {
  neverReady: `${prefix}never-ready`,
  imagePullFails: `${prefix}image-pull-fails`,
  fails: `${prefix}fails`,
} as const;

const on = (pod: KubeObject, knob: string) => pod.metadata.annotations?.[knob] === "true";

function notReady(conditions: unknown[], names: string[], at: unknown): JsonObject[] {
  return conditions.filter(isObject).map((c) =>
    c.type === "Ready" || c.type === "ContainersReady"
      ? {
          ...c,
          status: "False",
          reason: "ContainersNotReady",
          message: `containers with unready status: [${names.join(" ")}]`,
          lastTransitionTime: at,
        }
      : c,
  );
}

/** The status to report for `pod`, given what a healthy kubelet would report. */
export function applyKnobs(pod: KubeObject, healthy: JsonObject): JsonObject {
  const podSpec = objectAt(pod, "spec");
  const containers = arrayAt(podSpec, "containers").filter(isObject);
  const names = containers.map((c) => String(c.name));
  const at = healthy.startTime;
  const statuses = arrayAt(healthy, "containerStatuses").filter(isObject);
  if (on(pod, knobs.imagePullFails)) {
    return {
      ...healthy,
      phase: "Pending",
      conditions: notReady(arrayAt(healthy, "conditions"), names, at).map((c) =>
        c.type === "PodReadyToStartContainers" ? { ...c, status: "True" } : c,
      ),
      containerStatuses: statuses.map((s) => ({
        name: s.name,
        image: s.image,
        imageID: "",
        lastState: {},
        ready: false,
        restartCount: 0,
        started: false,
        state: {
          waiting: {
            reason: "ImagePullBackOff",
            message: `Back-off pulling image ${JSON.stringify(s.image)}`,
          },
        },
      })),
    };
  }
  if (on(pod, knobs.fails)) {
    return {
      ...healthy,
      phase: "Failed",
      conditions: notReady(arrayAt(healthy, "conditions"), names, at),
      containerStatuses: statuses.map((s) => ({
        ...s,
        ready: false,
        started: false,
        state: {
          terminated: { exitCode: 1, reason: "Error", startedAt: at, finishedAt: at },
        },
      })),
    };
  }
  if (on(pod, knobs.neverReady)) {
    return {
      ...healthy,
      conditions: notReady(arrayAt(healthy, "conditions"), names, at),
      containerStatuses: statuses.map((s) => ({ ...s, ready: false })),
    };
  }
  return healthy;
}

/** True when the pod's Ready condition is True (what ready counts are made of). */
export function isPodReady(pod: KubeObject): boolean {
  return arrayAt(objectAt(pod, "status"), "conditions").some(
    (c) => isObject(c) && c.type === "Ready" && c.status === "True",
  );
}
