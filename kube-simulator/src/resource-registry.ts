/**
 * The built-in kinds the simulator serves: group, version, plural, scope and
 * verbs, as the discovery documents of a real v1.31 API server list them.
 * Custom kinds join per simulator (served-kinds.ts).
 */
import type { JsonObject } from "./kube-object.js";
import type { Column } from "./table-printers.js";

/** One served resource type. */
export interface ResourceType {
  /** API group; "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly shortNames?: readonly string[];
  /** Discovery categories (`kubectl get all` uses "all"). */
  readonly categories?: readonly string[];
  /** Subresources listed in discovery (`status`, `proxy`, `scale`). */
  readonly subresources?: readonly string[];
  /** True when writes to the main resource leave `.status` alone (status subresource). */
  readonly hasStatus?: boolean;
  /** True when the API server tracks `metadata.generation` for spec changes. */
  readonly tracksGeneration?: boolean;
  /** True for the read-only resources served from computed figures (metrics.k8s.io). */
  readonly computed?: boolean;
  /** A custom resource's `openAPIV3Schema` (from its CRD); built-in kinds use the models instead. */
  readonly schema?: JsonObject;
  /** A custom resource's columns for `kubectl get` (its CRD's additionalPrinterColumns). */
  readonly printerColumns?: readonly Column[];
}

/** The verbs of a fully served kind. */
export const allVerbs: readonly string[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];
const readVerbs = ["get", "list"];

function core(
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group: "",
    version: "v1",
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: allVerbs,
    ...extra,
  };
}

function grouped(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: allVerbs,
    ...extra,
  };
}

/** Every built-in resource type, in discovery order. */
export const resourceTypes: readonly ResourceType[] = [
  core("Namespace", "namespaces", false, {
    shortNames: ["ns"],
    hasStatus: true,
    subresources: ["status"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  }),
  core("Node", "nodes", false, {
    shortNames: ["no"],
    hasStatus: true,
    subresources: ["proxy", "status"],
  }),
  core("Pod", "pods", true, { shortNames: ["po"], hasStatus: true, subresources: ["status"] }),
  core("ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
  core("Secret", "secrets", true),
  core("Service", "services", true, {
    shortNames: ["svc"],
    hasStatus: true,
    subresources: ["status"],
  }),
  core("ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"] }),
  core("Endpoints", "endpoints", true, { shortNames: ["ep"], singular: "endpoints" }),
  core("PersistentVolumeClaim", "persistentvolumeclaims", true, {
    shortNames: ["pvc"],
    hasStatus: true,
    subresources: ["status"],
  }),
  core("PersistentVolume", "persistentvolumes", false, {
    shortNames: ["pv"],
    hasStatus: true,
    subresources: ["status"],
  }),
  grouped("apps", "v1", "Deployment", "deployments", true, {
    shortNames: ["deploy"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["scale", "status"],
  }),
  grouped("apps", "v1", "StatefulSet", "statefulsets", true, {
    shortNames: ["sts"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["scale", "status"],
  }),
  // Served (kstatus, which helm --wait uses, lists a Deployment's ReplicaSets); the simulated
  // Deployment controller owns its pods directly, so the list is empty unless a client makes one.
  grouped("apps", "v1", "ReplicaSet", "replicasets", true, {
    shortNames: ["rs"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["scale", "status"],
  }),
  grouped("apps", "v1", "DaemonSet", "daemonsets", true, {
    shortNames: ["ds"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["status"],
  }),
  grouped("batch", "v1", "Job", "jobs", true, {
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["status"],
  }),
  grouped("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, { shortNames: ["sc"] }),
  // Stored, listed, watched and validated like any object; no controller acts on them
  // (no ingress controller, autoscaler, CronJob schedule or endpoint tracking).
  grouped("batch", "v1", "CronJob", "cronjobs", true, {
    shortNames: ["cj"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["status"],
  }),
  grouped("networking.k8s.io", "v1", "Ingress", "ingresses", true, {
    shortNames: ["ing"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["status"],
  }),
  grouped("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
  grouped("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, {
    shortNames: ["netpol"],
    tracksGeneration: true,
  }),
  grouped("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, {
    shortNames: ["pdb"],
    hasStatus: true,
    tracksGeneration: true,
    subresources: ["status"],
  }),
  grouped("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, {
    shortNames: ["hpa"],
    hasStatus: true,
    subresources: ["status"],
  }),
  grouped("coordination.k8s.io", "v1", "Lease", "leases", true),
  grouped("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
  grouped(
    "apiextensions.k8s.io",
    "v1",
    "CustomResourceDefinition",
    "customresourcedefinitions",
    false,
    {
      shortNames: ["crd", "crds"],
      hasStatus: true,
      subresources: ["status"],
    },
  ),
  grouped("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  grouped("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  grouped("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  grouped("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  grouped(
    "authorization.k8s.io",
    "v1",
    "SelfSubjectAccessReview",
    "selfsubjectaccessreviews",
    false,
    {
      verbs: ["create"],
      computed: true,
    },
  ),
  grouped("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", false, {
    verbs: readVerbs,
    computed: true,
  }),
  grouped("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", true, {
    verbs: readVerbs,
    computed: true,
  }),
];

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `deployments.apps`, or `pods` for the core group: how errors name a resource. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** Looks a built-in type up by kind alone (built-in kinds are unique across their groups). */
export function typeOfKind(kind: string): ResourceType {
  const type = resourceTypes.find((t) => t.kind === kind && !t.computed);
  if (!type) throw new Error(`simulator: unknown kind ${kind}`);
  return type;
}
