/**
 * The controllers that make workloads observable: Deployments, StatefulSets
 * and DaemonSets get pods bound to nodes (requests copied from the
 * template, so node "requested" sums move) and a status with ready counts
 * and the Available condition; Jobs complete; PVCs bind to a provisioned PV.
 *
 * It reacts to store events but acts after `delayMs`, on one timer per
 * object that has work pending, so readiness is something a client waits
 * for, and an idle cluster has no timers at all. Pods are owned directly by
 * their workload (no ReplicaSet objects): a stated simplification.
 */
import { createHash } from "node:crypto";
import {
  arrayAt,
  clone,
  isObject,
  type JsonObject,
  type KubeObject,
  objectAt,
  timestamp,
} from "./kube-object.js";
import { type ChangeEvent, type ObjectStore, randomSuffix } from "./object-store.js";
import { applyKnobs, isPodReady } from "./pod-knobs.js";
import { pendingStatus, pickNode, runningStatus, unfitReason } from "./pod-scheduler.js";
import { typeOfKind } from "./resource-registry.js";
import { bindClaim, bindPodClaims, releaseVolume } from "./volume-binding.js";

/** Options for {@link WorkloadController}. */
export interface WorkloadControllerOptions {
  readonly store: ObjectStore;
  readonly now: () => number;
  /** How long after a change the controllers act (ms); 0 acts on the next turn of the event loop. */
  readonly delayMs: number;
}

const workloadKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job"]);
const podType = typeOfKind("Pod");
const nodeType = typeOfKind("Node");
const pvcType = typeOfKind("PersistentVolumeClaim");

/** Ten characters of a hash, like pod-template-hash. */
function templateHash(template: unknown): string {
  const digest = createHash("sha256")
    .update(JSON.stringify(template ?? {}))
    .digest();
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  for (let i = 0; i < 10; i++) out += alphabet[digest[i]! % alphabet.length];
  return out;
}

/** Runs the simulated controllers against one store. */
export class WorkloadController {
  readonly #store: ObjectStore;
  readonly #now: () => number;
  readonly #delayMs: number;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #unsubscribe: () => void;
  #podIps = 0;
  #closed = false;

  constructor(options: WorkloadControllerOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.#delayMs = options.delayMs;
    this.#unsubscribe = this.#store.subscribe((e) => this.#onChange(e));
  }

  /** Stops reacting and cancels pending work. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** A fresh pod IP from the cluster's pod range. */
  nextPodIp(): string {
    const n = this.#podIps++;
    return `10.42.${Math.floor(n / 250) % 256}.${(n % 250) + 3}`;
  }

  #later(key: string, work: () => void): void {
    if (this.#closed || this.#timers.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      if (!this.#closed) work();
    }, this.#delayMs);
    timer.unref();
    this.#timers.set(key, timer);
  }

  #onChange(e: ChangeEvent): void {
    const obj = e.object;
    const kind = e.resource.kind;
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name!;
    if (workloadKinds.has(kind)) {
      // Owned pods of a deleted workload go through the garbage collector.
      if (e.type === "DELETED") return;
      if (e.type === "ADDED" || obj.metadata.generation !== e.previous?.metadata.generation) {
        this.#later(`${kind}/${ns}/${name}`, () => this.#reconcile(kind, ns!, name));
      }
    } else if (kind === "Pod" && e.type === "ADDED") {
      // The scheduler and kubelet for pods created directly (workload pods are bound as they are made).
      this.#later(`bind/${ns}/${name}`, () => this.#bindIfPending(ns!, name));
    } else if (kind === "Pod" && e.type === "DELETED") {
      const owner = obj.metadata.ownerReferences?.find((o) => o.controller);
      if (owner && workloadKinds.has(owner.kind)) {
        this.#later(`${owner.kind}/${ns}/${owner.name}`, () =>
          this.#reconcile(owner.kind, ns!, owner.name),
        );
      }
    } else if (kind === "Node") {
      this.#later("all-workloads", () => this.#reconcileAll());
    } else if (kind === "PersistentVolumeClaim") {
      if (e.type === "ADDED")
        this.#later(`pvc/${ns}/${name}`, () => bindClaim(this.#store, ns!, name));
      if (e.type === "DELETED")
        this.#later(`pv/${ns}/${name}`, () => releaseVolume(this.#store, obj));
    }
  }

  #bindIfPending(ns: string, name: string): void {
    const pod = this.#store.get(podType, ns, name);
    const status = pod ? objectAt(pod, "status") : {};
    if (pod && !status.podIP && (status.phase === undefined || status.phase === "Pending"))
      this.#tryBind(pod);
  }

  #reconcileAll(): void {
    for (const pod of this.#store.list(podType)) {
      if (!objectAt(pod, "spec").nodeName && !pod.metadata.ownerReferences?.length) {
        this.#bindIfPending(pod.metadata.namespace!, pod.metadata.name!);
      }
    }
    for (const kind of workloadKinds) {
      for (const w of this.#store.list(typeOfKind(kind))) {
        this.#reconcile(kind, w.metadata.namespace!, w.metadata.name!);
      }
    }
  }

  #ownedPods(ns: string, uid: string): KubeObject[] {
    return this.#store
      .list(podType, ns)
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === uid));
  }

  #reconcile(kind: string, ns: string, name: string): void {
    const type = typeOfKind(kind);
    const workload = this.#store.get(type, ns, name);
    // Being deleted (Foreground): its pods are going, not to be replaced.
    if (!workload || workload.metadata.deletionTimestamp) return;
    const spec = objectAt(workload, "spec");
    const template = objectAt(spec, "template");
    const hash = templateHash(template);
    const uid = workload.metadata.uid!;
    // A changed template replaces every pod: a rolling update collapsed to one step.
    for (const pod of this.#ownedPods(ns, uid)) {
      if (pod.metadata.annotations?.["simulator.smart-orchestrator.io/template-hash"] !== hash) {
        this.#store.delete(podType, ns, pod.metadata.name!);
      }
    }
    const wanted = this.#wantedPods(kind, workload, hash);
    const have = new Map(this.#ownedPods(ns, uid).map((p) => [p.metadata.name!, p]));
    for (const [podName, pod] of have) {
      if (!wanted.some((w) => w.name === podName)) this.#store.delete(podType, ns, podName);
      else if (!objectAt(pod, "spec").nodeName) this.#tryBind(pod);
    }
    for (const w of wanted) {
      if (!have.has(w.name)) this.#createPod(workload, w.name, hash, w.node);
    }
    this.#writeStatus(kind, workload);
  }

  /** The pods a workload should have: names, and the node for DaemonSet pods. */
  #wantedPods(kind: string, workload: KubeObject, hash: string): { name: string; node?: string }[] {
    const spec = objectAt(workload, "spec");
    const name = workload.metadata.name!;
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
    const existing = this.#ownedPods(workload.metadata.namespace!, workload.metadata.uid!);
    if (kind === "StatefulSet") {
      return Array.from({ length: replicas }, (_, i) => ({ name: `${name}-${i}` }));
    }
    if (kind === "DaemonSet") {
      const podSpec = objectAt(objectAt(spec, "template"), "spec");
      const pods = this.#store.list(podType);
      return this.#store
        .list(nodeType)
        .filter((node) => {
          const why = unfitReason(node, podSpec, { cpuMillis: 0n, memoryBytes: 0n }, pods);
          return !why || why.startsWith("Insufficient");
        })
        .map((node) => {
          const mine = existing.find((p) => objectAt(p, "spec").nodeName === node.metadata.name);
          return {
            name: mine?.metadata.name ?? `${name}-${randomSuffix()}`,
            node: node.metadata.name!,
          };
        });
    }
    if (kind === "Job") {
      const status = objectAt(workload, "status");
      if (existing.length > 0 || status.succeeded)
        return existing.map((p) => ({ name: p.metadata.name! }));
      return [{ name: `${name}-${randomSuffix()}` }];
    }
    const keep = existing.slice(0, replicas).map((p) => ({ name: p.metadata.name! }));
    while (keep.length < replicas) keep.push({ name: `${name}-${hash}-${randomSuffix()}` });
    return keep;
  }

  #createPod(workload: KubeObject, podName: string, hash: string, nodeName?: string): void {
    const kind = workload.kind;
    const ns = workload.metadata.namespace!;
    const template = clone(objectAt(objectAt(workload, "spec"), "template"));
    const meta = objectAt(template, "metadata");
    const labels: Record<string, string> = {
      ...(meta.labels as Record<string, string> | undefined),
    };
    if (kind === "Deployment") labels["pod-template-hash"] = hash;
    if (kind === "StatefulSet") {
      labels["controller-revision-hash"] = `${workload.metadata.name}-${hash}`;
      labels["statefulset.kubernetes.io/pod-name"] = podName;
    }
    if (kind === "DaemonSet") labels["controller-revision-hash"] = hash;
    if (kind === "Job") {
      labels["batch.kubernetes.io/job-name"] = workload.metadata.name!;
      labels["job-name"] = workload.metadata.name!;
      labels["batch.kubernetes.io/controller-uid"] = workload.metadata.uid!;
    }
    const podSpec: JsonObject = {
      dnsPolicy: "ClusterFirst",
      restartPolicy: kind === "Job" ? "Never" : "Always",
      schedulerName: "default-scheduler",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      ...objectAt(template, "spec"),
    };
    if (kind === "DaemonSet" && nodeName) podSpec.nodeName = nodeName;
    if (kind === "StatefulSet") this.#claimVolumes(workload, podName, podSpec);
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: podName,
        namespace: ns,
        labels,
        annotations: {
          ...(meta.annotations as Record<string, string> | undefined),
          "simulator.smart-orchestrator.io/template-hash": hash,
        },
        ownerReferences: [
          {
            apiVersion: workload.apiVersion,
            kind,
            name: workload.metadata.name!,
            uid: workload.metadata.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: podSpec,
      status: { phase: "Pending", qosClass: "BestEffort" },
    };
    this.#tryBind(this.#store.create(podType, pod));
  }

  /**
   * A StatefulSet pod's claims from `volumeClaimTemplates`: `<template>-<pod>`,
   * labelled with the template's labels and the set's selector, as the real
   * controller makes them; created once and kept when the pod goes.
   */
  #claimVolumes(sts: KubeObject, podName: string, podSpec: JsonObject): void {
    const ns = sts.metadata.namespace!;
    const spec = objectAt(sts, "spec");
    const selector = objectAt(objectAt(spec, "selector"), "matchLabels");
    const volumes = arrayAt(podSpec, "volumes").filter(isObject);
    for (const tpl of arrayAt(spec, "volumeClaimTemplates").filter(isObject)) {
      const meta = objectAt(tpl, "metadata");
      const claimName = `${String(meta.name)}-${podName}`;
      if (!this.#store.get(pvcType, ns, claimName)) {
        this.#store.create(pvcType, {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: {
            name: claimName,
            namespace: ns,
            labels: {
              ...(meta.labels as Record<string, string> | undefined),
              ...(selector as Record<string, string>),
            },
            ...(meta.annotations
              ? { annotations: meta.annotations as Record<string, string> }
              : {}),
          },
          spec: clone(objectAt(tpl, "spec")),
          status: { phase: "Pending" },
        });
      }
      if (!volumes.some((v) => v.name === meta.name))
        volumes.push({ name: meta.name, persistentVolumeClaim: { claimName } });
    }
    if (volumes.length) podSpec.volumes = volumes;
  }

  /** Binds a pending pod to a node and marks it running (or completed, for Jobs). */
  #tryBind(pod: KubeObject): void {
    const spec = objectAt(pod, "spec");
    const nodes = this.#store.list(nodeType);
    const pods = this.#store.list(podType).filter((p) => p.metadata.uid !== pod.metadata.uid);
    let node: KubeObject | undefined;
    let message = "";
    if (typeof spec.nodeName === "string") {
      node = nodes.find((n) => n.metadata.name === spec.nodeName);
      message = `node "${spec.nodeName}" not found`;
    } else {
      const choice = pickNode(nodes, spec, pods);
      if ("node" in choice) node = choice.node;
      else message = choice.message;
    }
    const now = this.#now();
    const job = pod.metadata.ownerReferences?.some((o) => o.kind === "Job");
    if (node) bindPodClaims(this.#store, pod, node.metadata.name!);
    const next: KubeObject = node
      ? {
          ...pod,
          spec: { ...spec, nodeName: node.metadata.name },
          status: applyKnobs(
            pod,
            runningStatus(spec, node, this.nextPodIp(), now, job ? "Succeeded" : "Running"),
          ),
        }
      : { ...pod, status: pendingStatus(spec, message, now) };
    this.#store.update(podType, next);
  }

  #writeStatus(kind: string, workload: KubeObject): void {
    const type = typeOfKind(kind);
    const pods = this.#ownedPods(workload.metadata.namespace!, workload.metadata.uid!);
    const ready = pods.filter(isPodReady).length;
    const spec = objectAt(workload, "spec");
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
    const at = timestamp(this.#now());
    const generation = workload.metadata.generation;
    const hash = templateHash(objectAt(spec, "template"));
    let status: JsonObject;
    if (kind === "Deployment") {
      const available = ready >= replicas;
      status = {
        observedGeneration: generation,
        replicas: pods.length,
        updatedReplicas: pods.length,
        ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {}),
        ...(pods.length - ready > 0 ? { unavailableReplicas: pods.length - ready } : {}),
        conditions: [
          {
            type: "Available",
            status: available ? "True" : "False",
            reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            message: available
              ? "Deployment has minimum availability."
              : "Deployment does not have minimum availability.",
            lastUpdateTime: at,
            lastTransitionTime: at,
          },
          {
            type: "Progressing",
            status: "True",
            reason: available ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
            message: `ReplicaSet "${workload.metadata.name}-${hash}" ${available ? "has successfully progressed." : "is progressing."}`,
            lastUpdateTime: at,
            lastTransitionTime: at,
          },
        ],
      };
    } else if (kind === "StatefulSet") {
      const revision = `${workload.metadata.name}-${hash}`;
      status = {
        observedGeneration: generation,
        replicas: pods.length,
        readyReplicas: ready,
        currentReplicas: pods.length,
        updatedReplicas: pods.length,
        availableReplicas: ready,
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      };
    } else if (kind === "DaemonSet") {
      status = {
        observedGeneration: generation,
        currentNumberScheduled: pods.length,
        desiredNumberScheduled: pods.length,
        numberMisscheduled: 0,
        numberReady: ready,
        numberAvailable: ready,
        updatedNumberScheduled: pods.length,
      };
    } else {
      const done = pods.filter((p) => objectAt(p, "status").phase === "Succeeded").length;
      const failed = pods.filter((p) => objectAt(p, "status").phase === "Failed").length;
      const failure = (type: string) => ({
        type,
        status: "True",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
        lastProbeTime: at,
        lastTransitionTime: at,
      });
      status = {
        startTime: objectAt(workload, "status").startTime ?? at,
        // A failing pod fails the Job at once: no retries up to backoffLimit (simplification).
        ...(failed > 0
          ? { failed, conditions: [failure("FailureTarget"), failure("Failed")] }
          : done > 0
            ? {
                succeeded: done,
                completionTime: at,
                conditions: [
                  {
                    type: "SuccessCriteriaMet",
                    status: "True",
                    reason: "CompletionsReached",
                    message: "Reached expected number of succeeded pods",
                    lastProbeTime: at,
                    lastTransitionTime: at,
                  },
                  {
                    type: "Complete",
                    status: "True",
                    reason: "CompletionsReached",
                    message: "Reached expected number of succeeded pods",
                    lastProbeTime: at,
                    lastTransitionTime: at,
                  },
                ],
              }
            : { active: pods.length }),
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
      };
    }
    const current = this.#store.get(type, workload.metadata.namespace, workload.metadata.name!);
    if (current) this.#store.update(type, { ...current, status });
  }
}
