import type { KubeObject } from "./release-labels.js";

// Kinds by install phase, following Helm's InstallOrder where it is stricter.
const phases: readonly (readonly string[])[] = [
  ["CustomResourceDefinition"],
  ["Namespace", "PriorityClass", "ResourceQuota", "LimitRange"],
  [
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "PodSecurityPolicy",
    "NetworkPolicy",
    "PodDisruptionBudget",
  ],
  ["Secret", "ConfigMap"],
  ["StorageClass", "PersistentVolume", "PersistentVolumeClaim"],
  [
    "Pod",
    "ReplicaSet",
    "ReplicationController",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
  ],
  ["Service", "Endpoints", "EndpointSlice"],
  ["IngressClass", "Ingress"],
];

const rank = new Map<string, number>();
phases.forEach((kinds, i) => {
  for (const k of kinds) rank.set(k, i);
});

/** Install phase of a kind: 0 for CRDs, …, and the last phase for kinds not listed (custom resources, APIService, webhooks). */
export function phaseOf(kind: string): number {
  return rank.get(kind) ?? phases.length;
}

/** Whether a kind is a CustomResourceDefinition, which must be Established before the rest. */
export function isCrd(obj: { apiVersion: string; kind: string }): boolean {
  return (
    obj.kind === "CustomResourceDefinition" && obj.apiVersion.startsWith("apiextensions.k8s.io/")
  );
}

/**
 * Objects in dependency order: CRDs, namespaces, accounts and RBAC, config,
 * storage, workloads, Services, Ingress, then the rest. Stable within a
 * phase (the chart's own order), so two renders apply the same way.
 */
export function installOrder<T extends Pick<KubeObject, "kind">>(objects: readonly T[]): T[] {
  return objects
    .map((o, i) => ({ o, i, p: phaseOf(o.kind) }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map((x) => x.o);
}

/** The reverse: what depends on others goes first when deleting or pruning. */
export function deleteOrder<T extends Pick<KubeObject, "kind">>(objects: readonly T[]): T[] {
  return installOrder(objects).reverse();
}
