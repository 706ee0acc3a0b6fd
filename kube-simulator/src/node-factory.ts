/**
 * Node objects shaped like the real ones in `test/fixtures/k8s/` (kind,
 * minikube and EKS nodes; see SOURCE.md there), with the labels,
 * annotations and taints that k3s and kubeadm put on their nodes.
 */
import { randomUUID } from "node:crypto";
import { canonicalQuantity, parseBytes } from "@smart-orchestrator/shared";
import type { ClusterSpec, Taint } from "./cluster-spec.js";
import { type KubeObject, timestamp } from "./kube-object.js";

/** What varies between the nodes of one cluster. */
export interface NodeShape {
  readonly name: string;
  /** Index in the cluster; 0 is the control-plane (server) node. */
  readonly index: number;
  readonly controlPlane: boolean;
  readonly ready: boolean;
  /** Extra labels for this node only. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  readonly cpu?: string;
  readonly memory?: string;
}

/** The name of the i-th node, following each distribution's usual naming. */
export function nodeName(spec: ClusterSpec, index: number): string {
  if (spec.distribution === "kubeadm") {
    return index === 0 ? `${spec.name}-control-plane` : `${spec.name}-worker-${index}`;
  }
  return index === 0 ? `${spec.name}-server` : `${spec.name}-agent-${index}`;
}

// Hard eviction thresholds the kubelet subtracts from capacity by default
// (memory.available<100Mi, nodefs.available<10%), the only difference
// between capacity and allocatable on k3s and kubeadm without reservations.
const evictionMemory = 100n * 1024n * 1024n;

function kib(bytes: bigint): string {
  return `${bytes / 1024n}Ki`;
}

function condition(type: string, status: string, reason: string, message: string, at: string) {
  return { lastHeartbeatTime: at, lastTransitionTime: at, message, reason, status, type };
}

/** The node's conditions, Ready or not, as the kubelet reports them. */
export function nodeConditions(ready: boolean, at: string): Record<string, string>[] {
  return [
    condition(
      "MemoryPressure",
      "False",
      "KubeletHasSufficientMemory",
      "kubelet has sufficient memory available",
      at,
    ),
    condition(
      "DiskPressure",
      "False",
      "KubeletHasNoDiskPressure",
      "kubelet has no disk pressure",
      at,
    ),
    condition(
      "PIDPressure",
      "False",
      "KubeletHasSufficientPID",
      "kubelet has sufficient PID available",
      at,
    ),
    ready
      ? condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", at)
      : condition(
          "Ready",
          "False",
          "KubeletNotReady",
          "container runtime network not ready: NetworkReady=false",
          at,
        ),
  ];
}

function images(spec: ClusterSpec): { names: string[]; sizeBytes: number }[] {
  if (spec.distribution === "k3s") {
    return [
      { names: ["docker.io/rancher/mirrored-coredns-coredns:1.11.3"], sizeBytes: 18562039 },
      { names: ["docker.io/rancher/mirrored-metrics-server:v0.7.2"], sizeBytes: 19494617 },
      { names: ["docker.io/rancher/local-path-provisioner:v0.0.30"], sizeBytes: 20660565 },
      { names: ["docker.io/rancher/mirrored-pause:3.6"], sizeBytes: 301463 },
    ];
  }
  const minor = spec.version.replace(/^v/, "").replace(/[-+].*$/, "");
  return [
    { names: [`registry.k8s.io/kube-apiserver:v${minor}`], sizeBytes: 28035486 },
    { names: [`registry.k8s.io/kube-proxy:v${minor}`], sizeBytes: 30228873 },
    { names: ["registry.k8s.io/coredns/coredns:v1.11.3"], sizeBytes: 18562039 },
    { names: ["registry.k8s.io/pause:3.10"], sizeBytes: 320368 },
  ];
}

/** A complete v1 Node object (without resourceVersion/uid, which the store sets). */
export function buildNode(spec: ClusterSpec, shape: NodeShape, now: number): KubeObject {
  const at = timestamp(now);
  const k3s = spec.distribution === "k3s";
  const address = `10.${k3s ? 42 : 244}.0.${10 + shape.index}`;
  const podCidr = `10.${k3s ? 42 : 244}.${shape.index}.0/24`;
  const memory = parseBytes(shape.memory ?? spec.memory);
  const storage = parseBytes(spec.storage);
  const cpu = canonicalQuantity(shape.cpu ?? spec.cpu);
  const capacity = {
    cpu,
    "ephemeral-storage": kib(storage),
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: kib(memory),
    pods: String(spec.maxPods),
  };
  const allocatable = {
    ...capacity,
    "ephemeral-storage": String((storage * 9n) / 10n),
    memory: kib(memory - evictionMemory),
  };
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": spec.arch,
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": spec.arch,
    "kubernetes.io/hostname": shape.name,
    "kubernetes.io/os": "linux",
    ...(k3s
      ? { "beta.kubernetes.io/instance-type": "k3s", "node.kubernetes.io/instance-type": "k3s" }
      : {}),
  };
  if (shape.controlPlane) {
    // k3s labels its servers with "true", kubeadm with "".
    labels["node-role.kubernetes.io/control-plane"] = k3s ? "true" : "";
    if (k3s) labels["node-role.kubernetes.io/master"] = "true";
    else labels["node.kubernetes.io/exclude-from-external-load-balancers"] = "";
  }
  Object.assign(labels, spec.labels, shape.labels);
  const annotations: Record<string, string> = k3s
    ? {
        "alpha.kubernetes.io/provided-node-ip": address,
        "flannel.alpha.coreos.com/backend-data": `{"VNI":1,"VtepMAC":"${mac(shape.index)}"}`,
        "flannel.alpha.coreos.com/backend-type": "vxlan",
        "flannel.alpha.coreos.com/kube-subnet-manager": "true",
        "flannel.alpha.coreos.com/public-ip": address,
        "k3s.io/hostname": shape.name,
        "k3s.io/internal-ip": address,
        "k3s.io/node-args": shape.controlPlane ? '["server"]' : '["agent"]',
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      }
    : {
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      };
  const taints: Taint[] = [...spec.taints, ...(shape.taints ?? [])];
  if (shape.controlPlane && spec.controlPlaneTaint) {
    taints.unshift({ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" });
  }
  const arm = spec.arch === "arm64";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: shape.name, labels, annotations },
    spec: {
      podCIDR: podCidr,
      podCIDRs: [podCidr],
      providerID: k3s ? `k3s://${shape.name}` : `kubeadm://${shape.name}`,
      ...(taints.length > 0 ? { taints: taints.map((t) => ({ ...t })) } : {}),
    },
    status: {
      addresses: [
        { address, type: "InternalIP" },
        { address: shape.name, type: "Hostname" },
      ],
      allocatable,
      capacity,
      conditions: nodeConditions(shape.ready, at),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      images: images(spec),
      nodeInfo: {
        architecture: spec.arch,
        bootID: randomUUID(),
        containerRuntimeVersion: k3s ? "containerd://1.7.23-k3s2" : "containerd://1.7.24",
        kernelVersion: arm ? "6.6.51+rpt-rpi-v8" : "6.8.0-51-generic",
        kubeProxyVersion: spec.version,
        kubeletVersion: spec.version,
        machineID: randomUUID().replaceAll("-", ""),
        operatingSystem: "linux",
        osImage: arm ? "Debian GNU/Linux 12 (bookworm)" : "Ubuntu 24.04.1 LTS",
        systemUUID: randomUUID(),
      },
    },
  };
}

function mac(index: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `7a:3c:1e:${hex(index >> 16)}:${hex((index >> 8) & 255)}:${hex(index & 255)}`;
}

/** True when the node's Ready condition is True. */
export function isNodeReady(node: KubeObject): boolean {
  const conditions =
    (node.status as { conditions?: { type?: string; status?: string }[] } | undefined)
      ?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}
