/**
 * The PersistentVolume controller and a dynamic provisioner, enough for
 * claims to behave as on k3s and kubeadm: a claim's StorageClass (named, or
 * the default one) decides when it binds (`Immediate`, or
 * `WaitForFirstConsumer`, k3s local-path's default: once a pod using it is
 * scheduled, with `volume.kubernetes.io/selected-node`) and what happens to
 * its volume when it goes (`reclaimPolicy` Delete removes the PV, Retain
 * leaves it `Released` with its claimRef). A claim whose class does not
 * exist stays Pending, as with no provisioner.
 */
import { arrayAt, isObject, type KubeObject, objectAt } from "./kube-object.js";
import type { ObjectStore } from "./object-store.js";
import { typeOfKind } from "./resource-registry.js";

const pvcType = typeOfKind("PersistentVolumeClaim");
const pvType = typeOfKind("PersistentVolume");
const classType = typeOfKind("StorageClass");
const selectedNode = "volume.kubernetes.io/selected-node";
const defaultClass = "storageclass.kubernetes.io/is-default-class";

/** The StorageClass every distribution ships (k3s: local-path, WaitForFirstConsumer). */
export function builtInStorageClass(distribution: string): KubeObject {
  const k3s = distribution === "k3s";
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: k3s ? "local-path" : "standard",
      annotations: { [defaultClass]: "true" },
    },
    provisioner: k3s ? "rancher.io/local-path" : "simulator.smart-orchestrator.io/hostpath",
    reclaimPolicy: "Delete",
    volumeBindingMode: k3s ? "WaitForFirstConsumer" : "Immediate",
  };
}

function classOf(store: ObjectStore, pvc: KubeObject): KubeObject | undefined {
  const name = objectAt(pvc, "spec").storageClassName;
  if (typeof name === "string") return store.get(classType, undefined, name);
  return store.list(classType).find((c) => c.metadata.annotations?.[defaultClass] === "true");
}

/** Binds a claim if its class allows it now; returns true when it bound. */
export function bindClaim(store: ObjectStore, ns: string, name: string, node?: string): boolean {
  const pvc = store.get(pvcType, ns, name);
  if (!pvc || objectAt(pvc, "spec").volumeName) return false;
  const sc = classOf(store, pvc);
  if (!sc) return false;
  const waits = sc.volumeBindingMode === "WaitForFirstConsumer";
  const chosen = node ?? pvc.metadata.annotations?.[selectedNode];
  if (waits && !chosen) return false;
  const spec = objectAt(pvc, "spec");
  const storage = objectAt(objectAt(spec, "resources"), "requests").storage ?? "1Gi";
  const storageClassName = sc.metadata.name!;
  const pvName = `pvc-${pvc.metadata.uid}`;
  const accessModes =
    arrayAt(spec, "accessModes").length > 0 ? spec.accessModes : ["ReadWriteOnce"];
  store.create(pvType, {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: pvName,
      annotations: { "pv.kubernetes.io/provisioned-by": String(sc.provisioner) },
      finalizers: ["kubernetes.io/pv-protection"],
    },
    spec: {
      accessModes,
      capacity: { storage },
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        name,
        namespace: ns,
        uid: pvc.metadata.uid,
        resourceVersion: pvc.metadata.resourceVersion,
      },
      hostPath: {
        path: `/var/lib/rancher/k3s/storage/${pvName}_${ns}_${name}`,
        type: "DirectoryOrCreate",
      },
      ...(chosen
        ? {
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: "kubernetes.io/hostname", operator: "In", values: [chosen] },
                    ],
                  },
                ],
              },
            },
          }
        : {}),
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
      storageClassName,
      volumeMode: spec.volumeMode ?? "Filesystem",
    },
    status: { phase: "Bound" },
  });
  store.update(pvcType, {
    ...pvc,
    metadata: {
      ...pvc.metadata,
      annotations: {
        ...pvc.metadata.annotations,
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.beta.kubernetes.io/storage-provisioner": String(sc.provisioner),
        "volume.kubernetes.io/storage-provisioner": String(sc.provisioner),
        ...(chosen ? { [selectedNode]: chosen } : {}),
      },
    },
    spec: {
      ...spec,
      storageClassName,
      volumeName: pvName,
      volumeMode: spec.volumeMode ?? "Filesystem",
    },
    status: { accessModes, capacity: { storage }, phase: "Bound" },
  });
  return true;
}

/** A pod was scheduled to `node`: its waiting claims bind there. */
export function bindPodClaims(store: ObjectStore, pod: KubeObject, node: string): void {
  for (const v of arrayAt(objectAt(pod, "spec"), "volumes")) {
    const claim =
      isObject(v) && isObject(v.persistentVolumeClaim)
        ? v.persistentVolumeClaim.claimName
        : undefined;
    if (typeof claim === "string") bindClaim(store, pod.metadata.namespace!, claim, node);
  }
}

/** A claim went: its volume is deleted (Delete) or left Released (Retain). */
export function releaseVolume(store: ObjectStore, pvc: KubeObject): void {
  const volumeName = objectAt(pvc, "spec").volumeName;
  if (typeof volumeName !== "string") return;
  const pv = store.get(pvType, undefined, volumeName);
  if (!pv) return;
  if (objectAt(pv, "spec").persistentVolumeReclaimPolicy === "Retain") {
    store.update(pvType, { ...pv, status: { phase: "Released" } });
  } else {
    store.delete(pvType, undefined, volumeName);
  }
}
