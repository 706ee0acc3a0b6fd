/** One RBAC rule, as in a ClusterRole or Role, with why the agent needs it. */
export interface AgentPermission {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly why: string;
}

/**
 * Everything the agent asks the Kubernetes API for, cluster-wide. It is the
 * source of truth for the docs and for charts/edge-agent (a test keeps the
 * chart's ClusterRole equal to it). Deliberately absent: `nodes/proxy`
 * (it would also allow exec into pods through the kubelet); the kubelet
 * summary is read with `nodes/stats`, as metrics-server does.
 */
export const clusterPermissions: readonly AgentPermission[] = [
  {
    apiGroups: [""],
    resources: ["nodes"],
    verbs: ["get", "list", "watch"],
    why: "node inventory: capacity, allocatable, labels, taints, Ready",
  },
  {
    apiGroups: [""],
    resources: ["pods"],
    verbs: ["list", "watch"],
    why: "requests of the pods on each node; CNI detection in kube-system",
  },
  {
    apiGroups: [""],
    resources: ["nodes/stats"],
    verbs: ["get"],
    why: "kubelet summary API: network rx/tx and filesystem per node",
  },
  {
    apiGroups: ["metrics.k8s.io"],
    resources: ["nodes"],
    verbs: ["get", "list"],
    why: "CPU and memory in use (metrics-server)",
  },
];

/** What the agent needs in its own namespace only: the Secret holding its credential. */
export const namespacePermissions: readonly AgentPermission[] = [
  {
    apiGroups: [""],
    resources: ["secrets"],
    verbs: ["create"],
    why: "store the cluster credential after the first join",
  },
  {
    apiGroups: [""],
    resources: ["secrets"],
    verbs: ["get", "update"],
    resourceNames: ["smart-orchestrator-agent-credential"],
    why: "read and rotate that one Secret, and no other",
  },
  {
    apiGroups: [""],
    resources: ["secrets"],
    verbs: ["get", "list", "update", "delete"],
    why: "desired state of deployed releases (so-desired-* Secrets, chunked): kept, reloaded at start, old chunks removed; RBAC cannot narrow by name prefix, so this is bounded by the agent's own namespace",
  },
];
