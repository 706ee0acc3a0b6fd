/** One RBAC rule, as in a ClusterRole or Role, with why the agent needs it. */
export interface AgentPermission {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly why: string;
}

/**
 * The inventory role: everything the agent reads cluster-wide to report. It is the
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

/**
 * The deploy role: what applying charts takes, cluster-wide. It is broad by
 * necessity, cluster-admin in effect. Charts create ServiceAccounts, Roles
 * and ClusterRoles with rules of their own choosing, and Kubernetes lets a
 * client create a Role only when it holds every permission in it (RBAC
 * escalation prevention), so anything narrower breaks every chart that ships
 * RBAC. It is a separate ClusterRole so a cluster owner can leave it out:
 * install with `--no-deploy` (chart value `deployRole: false`), and the agent
 * then only reports and refuses deploy commands, saying why. What the agent
 * does with it is bounded by its own rules: it writes only the objects of
 * the releases it is sent, and deletes only objects it labelled and applied.
 */
export const deployPermissions: readonly AgentPermission[] = [
  {
    apiGroups: ["*"],
    resources: ["*"],
    verbs: ["*"],
    why: "apply, prune and delete any kind a chart holds (CRDs and RBAC included), and read readiness",
  },
  {
    nonResourceURLs: ["*"],
    verbs: ["get"],
    why: "charts' ClusterRoles that grant non-resource URLs (e.g. /metrics) must be held to be granted",
  },
];
