/**
 * How the lists of the built-in kinds merge: the
 * `patchStrategy` and `patchMergeKey` struct tags of k8s.io/api, which the
 * real OpenAPI documents carry as `x-kubernetes-patch-strategy` and
 * `x-kubernetes-patch-merge-key`. client-node's generated models do not keep
 * them, so this table restates the ones that matter, keyed by client-node
 * model and JSON field. A list not named here is atomic: a patch replaces it.
 * One table for both sides: the kube-simulator's OpenAPI documents, strategic
 * merge patch and server-side apply read it, and the edge agent's drift check
 * compares lists the way server-side apply merges them (a map list by key, so
 * an item another manager added is not drift).
 */

/** A field's strategy: `merge` lists merge item by item (by `mergeKey` for objects, as a set for scalars). */
export interface PatchStrategy {
  /** `merge`, `retainKeys` or `merge,retainKeys`, as in the struct tags. */
  readonly strategy: string;
  /** The field that identifies an item of a list of objects. */
  readonly mergeKey?: string;
  /** `x-kubernetes-list-map-keys` for server-side apply, when more than the merge key. */
  readonly mapKeys?: readonly string[];
}

const byName = { strategy: "merge", mergeKey: "name" } as const;
const byType = { strategy: "merge", mergeKey: "type" } as const;
const containerFields = {
  env: byName,
  ports: { strategy: "merge", mergeKey: "containerPort", mapKeys: ["containerPort", "protocol"] },
  volumeMounts: { strategy: "merge", mergeKey: "mountPath" },
  volumeDevices: { strategy: "merge", mergeKey: "devicePath" },
} as const;

const table: Readonly<Record<string, Readonly<Record<string, PatchStrategy>>>> = {
  V1ObjectMeta: {
    finalizers: { strategy: "merge" },
    ownerReferences: { strategy: "merge", mergeKey: "uid" },
  },
  V1PodSpec: {
    containers: byName,
    initContainers: byName,
    ephemeralContainers: byName,
    imagePullSecrets: byName,
    volumes: { strategy: "merge,retainKeys", mergeKey: "name" },
    hostAliases: { strategy: "merge", mergeKey: "ip" },
    topologySpreadConstraints: {
      strategy: "merge",
      mergeKey: "topologyKey",
      mapKeys: ["topologyKey", "whenUnsatisfiable"],
    },
    resourceClaims: { strategy: "merge,retainKeys", mergeKey: "name" },
    schedulingGates: byName,
  },
  V1Container: containerFields,
  V1EphemeralContainer: containerFields,
  V1ServiceSpec: {
    ports: { strategy: "merge", mergeKey: "port", mapKeys: ["port", "protocol"] },
  },
  V1ServiceAccount: { secrets: byName },
  V1DeploymentSpec: { strategy: { strategy: "retainKeys" } },
  V1DaemonSetSpec: { updateStrategy: { strategy: "retainKeys" } },
  V1PodStatus: { conditions: byType },
  V1NodeStatus: { conditions: byType, addresses: byType },
  V1NodeSpec: { podCIDRs: { strategy: "merge" } },
  V1DeploymentStatus: { conditions: byType },
  V1StatefulSetStatus: { conditions: byType },
  V1DaemonSetStatus: { conditions: byType },
  V1ReplicaSetStatus: { conditions: byType },
  V1JobStatus: { conditions: byType },
  V1PersistentVolumeClaimStatus: { conditions: byType },
  V1NamespaceStatus: { conditions: byType },
};

/** The strategy of `model`'s field `field`, or undefined (atomic lists, plain maps). */
export function patchStrategyOf(model: string, field: string): PatchStrategy | undefined {
  return table[model]?.[field];
}

/** How server-side apply merges a list (`x-kubernetes-list-type`); atomic when undefined. */
export type ListType =
  | { readonly type: "map"; readonly keys: readonly string[] }
  | { readonly type: "set" };

/** The list type of `model`'s field `field`: a map by its keys, a set, or undefined (atomic). */
export function listTypeOf(model: string, field: string): ListType | undefined {
  const s = patchStrategyOf(model, field);
  if (!s) return undefined;
  if (s.mergeKey) return { type: "map", keys: s.mapKeys ?? [s.mergeKey] };
  return s.strategy.includes("merge") ? { type: "set" } : undefined;
}
