/**
 * What a fresh cluster holds before anyone deploys: the four standard
 * namespaces, the `kubernetes` Service, the nodes, and the system pods the
 * distribution runs, with their real default requests (so a new node's
 * "requested" figures are not zero, just as on a real cluster).
 */

import type { ClusterSpec } from "./cluster-spec.js";
import type { JsonObject, KubeObject } from "./kube-object.js";
import { buildNode, nodeName } from "./node-factory.js";
import type { ObjectStore } from "./object-store.js";
import { runningStatus } from "./pod-scheduler.js";
import { typeOfKind } from "./resource-registry.js";
import { builtInStorageClass } from "./volume-binding.js";

const standardNamespaces = ["default", "kube-node-lease", "kube-public", "kube-system"];

/** A Namespace object as the API server creates it. */
export function namespaceObject(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

interface SystemPod {
  readonly name: string;
  readonly image: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly memoryLimit?: string;
  /** Run on every node instead of the control-plane node only. */
  readonly everyNode?: boolean;
  /** A static (mirror) pod of the control plane. */
  readonly static?: boolean;
}

function systemPods(spec: ClusterSpec): SystemPod[] {
  if (spec.distribution === "k3s") {
    return [
      {
        name: "coredns-ccb96694c-x7k2p",
        image: "rancher/mirrored-coredns-coredns:1.11.3",
        cpu: "100m",
        memory: "70Mi",
        memoryLimit: "170Mi",
      },
      {
        name: "local-path-provisioner-5cf85fd84d-8qvzs",
        image: "rancher/local-path-provisioner:v0.0.30",
      },
      {
        name: "metrics-server-5985cbc9d7-m4jw6",
        image: "rancher/mirrored-metrics-server:v0.7.2",
        cpu: "100m",
        memory: "70Mi",
      },
    ];
  }
  const v = spec.version.replace(/[-+].*$/, "");
  return [
    {
      name: "coredns-7c65d6cfc9-4k8mz",
      image: "registry.k8s.io/coredns/coredns:v1.11.3",
      cpu: "100m",
      memory: "70Mi",
      memoryLimit: "170Mi",
    },
    {
      name: "coredns-7c65d6cfc9-q9w2t",
      image: "registry.k8s.io/coredns/coredns:v1.11.3",
      cpu: "100m",
      memory: "70Mi",
      memoryLimit: "170Mi",
    },
    {
      name: "etcd",
      static: true,
      image: "registry.k8s.io/etcd:3.5.15-0",
      cpu: "100m",
      memory: "100Mi",
    },
    {
      name: "kube-apiserver",
      static: true,
      image: `registry.k8s.io/kube-apiserver:${v}`,
      cpu: "250m",
    },
    {
      name: "kube-controller-manager",
      static: true,
      image: `registry.k8s.io/kube-controller-manager:${v}`,
      cpu: "200m",
    },
    {
      name: "kube-scheduler",
      static: true,
      image: `registry.k8s.io/kube-scheduler:${v}`,
      cpu: "100m",
    },
    { name: "kube-proxy", image: `registry.k8s.io/kube-proxy:${v}`, everyNode: true },
  ];
}

/** A running system pod bound to `node`. */
export function systemPod(
  p: SystemPod,
  podName: string,
  node: KubeObject,
  podIp: string,
  now: number,
): KubeObject {
  const requests: JsonObject = {};
  if (p.cpu) requests.cpu = p.cpu;
  if (p.memory) requests.memory = p.memory;
  const container = {
    name: p.name.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, ""),
    image: p.image,
    resources: {
      ...(Object.keys(requests).length ? { requests } : {}),
      ...(p.memoryLimit ? { limits: { memory: p.memoryLimit } } : {}),
    },
  };
  const spec = {
    containers: [container],
    nodeName: node.metadata.name,
    priorityClassName: "system-cluster-critical",
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: podName, namespace: "kube-system", labels: { "k8s-app": container.name } },
    spec,
    status: runningStatus(spec, node, podIp, now),
  };
}

/** Seeds the store with a cluster's namespaces, nodes and system pods. */
export function seedCluster(
  store: ObjectStore,
  spec: ClusterSpec,
  now: number,
  nextPodIp: () => string,
): void {
  for (const ns of standardNamespaces) store.create(typeOfKind("Namespace"), namespaceObject(ns));
  store.create(typeOfKind("Service"), {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec: {
      clusterIP: spec.distribution === "k3s" ? "10.43.0.1" : "10.96.0.1",
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }],
      type: "ClusterIP",
    },
    status: { loadBalancer: {} },
  });
  store.create(typeOfKind("StorageClass"), builtInStorageClass(spec.distribution));
  const nodes: KubeObject[] = [];
  for (let i = 0; i < spec.nodes; i++) {
    const shape = { name: nodeName(spec, i), index: i, controlPlane: i === 0, ready: true };
    nodes.push(store.create(typeOfKind("Node"), buildNode(spec, shape, now)));
  }
  for (const p of systemPods(spec)) {
    const targets = p.everyNode ? nodes : nodes.slice(0, 1);
    for (const node of targets) {
      // Static pods and per-node pods carry the node name, as the kubelet names mirror pods.
      const name = p.static || p.everyNode ? `${p.name}-${node.metadata.name}` : p.name;
      store.create(typeOfKind("Pod"), systemPod(p, name, node, nextPodIp(), now));
    }
  }
}
