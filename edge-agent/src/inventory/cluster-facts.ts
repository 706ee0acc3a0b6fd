import type { CoreV1Api, V1Node, VersionApi } from "@kubernetes/client-node";
import { type Hello, version } from "@smart-orchestrator/shared";

/** Which Kubernetes distribution a cluster runs, from its version string and node annotations. */
export function detectDistribution(
  gitVersion: string,
  nodes: readonly V1Node[],
): "k3s" | "kubeadm" | "other" {
  if (/\+k3s/.test(gitVersion)) return "k3s";
  const annotated = nodes.some((n) =>
    Object.keys(n.metadata?.annotations ?? {}).some((k) =>
      k.startsWith("kubeadm.alpha.kubernetes.io/"),
    ),
  );
  return annotated ? "kubeadm" : "other";
}

const cniMarkers: ReadonlyArray<[RegExp, string]> = [
  [/^cilium/, "cilium"],
  [/^calico|^tigera/, "calico"],
  [/^canal/, "canal"],
  [/flannel/, "flannel"],
  [/^weave/, "weave"],
  [/^kube-router/, "kube-router"],
  [/^antrea/, "antrea"],
];

/** Guesses the CNI from kube-system pods and node annotations; k3s embeds flannel. */
export async function detectCni(
  core: CoreV1Api,
  nodes: readonly V1Node[],
  distribution: string,
): Promise<string> {
  try {
    const pods = await core.listNamespacedPod({ namespace: "kube-system" });
    for (const pod of pods.items) {
      const name = pod.metadata?.name ?? "";
      const hit = cniMarkers.find(([re]) => re.test(name));
      if (hit) return hit[1];
    }
  } catch {
    // Not allowed to list kube-system pods: fall through to annotations.
  }
  const flannel = nodes.some((n) =>
    Object.keys(n.metadata?.annotations ?? {}).some((k) =>
      k.startsWith("flannel.alpha.coreos.com/"),
    ),
  );
  if (flannel || distribution === "k3s") return "flannel";
  return "";
}

/** Builds the Hello an agent opens every stream with. */
export async function buildHello(
  apis: { core: CoreV1Api; version: VersionApi },
  nodes: readonly V1Node[],
  architectures: readonly string[],
): Promise<Hello> {
  const info = await apis.version.getCode();
  const distribution = detectDistribution(info.gitVersion, nodes);
  return {
    agentVersion: version,
    kubernetesVersion: info.gitVersion,
    distribution,
    cni: await detectCni(apis.core, nodes, distribution),
    architectures: [...architectures],
  };
}
