/**
 * The endpoints and endpointslice controllers of kube-controller-manager:
 * for every Service with a selector, an `Endpoints` of the same name and an
 * `EndpointSlice` (discovery.k8s.io/v1, owned by the Service, labelled
 * `kubernetes.io/service-name`) list the selected pods that have an IP, with
 * each Service port resolved against the pod (`targetPort` by number or by
 * container port name) and the pod's readiness (`addresses` vs
 * `notReadyAddresses`; `conditions.ready/serving/terminating`). They follow
 * pod and Service changes on the next turn of the event loop; a deleted
 * Service takes both with it. Services without a selector are left to their
 * owner, as the real controllers leave them.
 *
 * Simplifications: one slice per Service (no 100-endpoint split), IPv4 only.
 */
import {
  arrayAt,
  clone,
  isObject,
  type JsonObject,
  type KubeObject,
  objectAt,
} from "./kube-object.js";
import type { ChangeEvent, ObjectStore } from "./object-store.js";
import { isPodReady } from "./pod-knobs.js";
import { typeOfKind } from "./resource-registry.js";
import { matchesLabels } from "./selectors.js";

const podType = typeOfKind("Pod");
const serviceType = typeOfKind("Service");
const endpointsType = typeOfKind("Endpoints");
const sliceType = typeOfKind("EndpointSlice");
const managedBy = "endpointslice-controller.k8s.io";

/** A pod's address for one set of ports, and whether it is ready. */
interface Member {
  readonly pod: KubeObject;
  readonly ready: boolean;
  /** The resolved ports, in Service port order. */
  readonly ports: readonly JsonObject[];
}

/** The Service port as an endpoint port on `pod`, or undefined when a named targetPort is not there. */
function resolvePort(svcPort: JsonObject, pod: KubeObject): JsonObject | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  let port: number | undefined = typeof target === "number" ? target : undefined;
  if (typeof target === "string") {
    for (const c of arrayAt(objectAt(pod, "spec"), "containers")) {
      const declared = isObject(c) ? arrayAt(c, "ports") : [];
      const found = declared.find((p) => isObject(p) && p.name === target);
      if (isObject(found) && typeof found.containerPort === "number") port = found.containerPort;
    }
  }
  if (port === undefined) return undefined;
  return {
    name: typeof svcPort.name === "string" ? svcPort.name : "",
    port,
    protocol: typeof svcPort.protocol === "string" ? svcPort.protocol : "TCP",
    ...(typeof svcPort.appProtocol === "string" ? { appProtocol: svcPort.appProtocol } : {}),
  };
}

const targetRef = (pod: KubeObject) => ({
  kind: "Pod",
  namespace: pod.metadata.namespace,
  name: pod.metadata.name,
  uid: pod.metadata.uid,
});

/** Keeps one simulator's Endpoints and EndpointSlices in step with its Services and pods. */
export class EndpointsController {
  readonly #store: ObjectStore;
  readonly #unsubscribe: () => void;
  readonly #pending = new Set<string>();
  #closed = false;

  constructor(store: ObjectStore) {
    this.#store = store;
    this.#unsubscribe = store.subscribe((e) => this.#onChange(e));
    for (const ns of new Set(store.list(serviceType).map((s) => s.metadata.namespace!)))
      this.#soon(ns);
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
  }

  #onChange(e: ChangeEvent): void {
    if (e.resource !== podType && e.resource !== serviceType) return;
    const ns = e.object.metadata.namespace!;
    if (e.resource === serviceType && e.type === "DELETED") this.#forget(e.object);
    this.#soon(ns);
  }

  /** Syncs a namespace once per turn, however many changes arrived. */
  #soon(ns: string): void {
    if (this.#pending.has(ns)) return;
    this.#pending.add(ns);
    setImmediate(() => {
      this.#pending.delete(ns);
      if (!this.#closed) this.#syncNamespace(ns);
    });
  }

  #forget(svc: KubeObject): void {
    const { namespace, name } = svc.metadata;
    if (this.#store.get(endpointsType, namespace, name!))
      this.#store.delete(endpointsType, namespace, name!);
    for (const slice of this.#slicesOf(namespace!, name!))
      this.#store.delete(sliceType, namespace, slice.metadata.name!);
  }

  #slicesOf(ns: string, service: string): KubeObject[] {
    return this.#store
      .list(sliceType, ns)
      .filter(
        (s) =>
          s.metadata.labels?.["kubernetes.io/service-name"] === service &&
          s.metadata.labels?.["endpointslice.kubernetes.io/managed-by"] === managedBy,
      );
  }

  #syncNamespace(ns: string): void {
    const pods = this.#store.list(podType, ns);
    for (const svc of this.#store.list(serviceType, ns)) {
      const spec = objectAt(svc, "spec");
      const selector = isObject(spec.selector)
        ? (spec.selector as Record<string, string>)
        : undefined;
      if (!selector || Object.keys(selector).length === 0 || spec.type === "ExternalName") continue;
      const svcPorts = arrayAt(spec, "ports").filter(isObject);
      const members: Member[] = [];
      for (const pod of pods) {
        const status = objectAt(pod, "status");
        if (!matchesLabels(pod.metadata.labels ?? {}, selector)) continue;
        if (
          typeof status.podIP !== "string" ||
          status.phase === "Succeeded" ||
          status.phase === "Failed"
        )
          continue;
        if (pod.metadata.deletionTimestamp) continue;
        const ports = svcPorts.map((p) => resolvePort(p, pod));
        if (ports.some((p) => p === undefined)) continue;
        members.push({ pod, ready: isPodReady(pod), ports: ports as JsonObject[] });
      }
      this.#writeEndpoints(svc, members);
      this.#writeSlice(svc, members);
    }
  }

  #writeEndpoints(svc: KubeObject, members: readonly Member[]): void {
    // Pods with the same resolved ports share a subset, as the real controller packs them.
    const subsets = new Map<
      string,
      { ports: readonly JsonObject[]; ready: Member[]; notReady: Member[] }
    >();
    for (const m of members) {
      const key = JSON.stringify(m.ports);
      const subset = subsets.get(key) ?? { ports: m.ports, ready: [], notReady: [] };
      (m.ready ? subset.ready : subset.notReady).push(m);
      subsets.set(key, subset);
    }
    const address = (m: Member) => ({
      ip: objectAt(m.pod, "status").podIP,
      ...(objectAt(m.pod, "spec").nodeName ? { nodeName: objectAt(m.pod, "spec").nodeName } : {}),
      targetRef: targetRef(m.pod),
    });
    const byIp = (a: Member, b: Member) =>
      String(objectAt(a.pod, "status").podIP).localeCompare(
        String(objectAt(b.pod, "status").podIP),
      );
    const body = [...subsets.values()].map((s) => ({
      ...(s.ready.length ? { addresses: s.ready.sort(byIp).map(address) } : {}),
      ...(s.notReady.length ? { notReadyAddresses: s.notReady.sort(byIp).map(address) } : {}),
      ports: s.ports.map(({ name, ...rest }) => (name ? { name, ...rest } : rest)),
    }));
    const { namespace, name } = svc.metadata;
    const next: KubeObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: {
        name,
        namespace,
        ...(svc.metadata.labels ? { labels: { ...svc.metadata.labels } } : {}),
      },
      ...(body.length ? { subsets: body } : {}),
    };
    const live = this.#store.get(endpointsType, namespace, name!);
    if (!live) this.#store.create(endpointsType, next);
    else
      this.#store.update(endpointsType, {
        ...next,
        metadata: { ...clone(live.metadata), ...next.metadata },
      });
  }

  #writeSlice(svc: KubeObject, members: readonly Member[]): void {
    const { namespace, name, uid } = svc.metadata;
    const zoneOf = (node: unknown) => {
      const n =
        typeof node === "string" ? this.#store.get(typeOfKind("Node"), undefined, node) : undefined;
      return n?.metadata.labels?.["topology.kubernetes.io/zone"];
    };
    const endpoints = members.map((m) => {
      const nodeName = objectAt(m.pod, "spec").nodeName;
      const zone = zoneOf(nodeName);
      return {
        addresses: [objectAt(m.pod, "status").podIP],
        conditions: { ready: m.ready, serving: m.ready, terminating: false },
        ...(typeof nodeName === "string" ? { nodeName } : {}),
        targetRef: targetRef(m.pod),
        ...(zone ? { zone } : {}),
      };
    });
    const ports = members[0]?.ports ?? [];
    const metadata = {
      namespace,
      labels: {
        ...(svc.metadata.labels ?? {}),
        "kubernetes.io/service-name": name!,
        "endpointslice.kubernetes.io/managed-by": managedBy,
      },
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Service",
          name: name!,
          uid: uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    };
    const body = { addressType: "IPv4", endpoints, ...(ports.length ? { ports } : {}) };
    const [live, ...extra] = this.#slicesOf(namespace!, name!);
    for (const e of extra) this.#store.delete(sliceType, namespace, e.metadata.name!);
    if (!live) {
      this.#store.create(sliceType, {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { ...metadata, generateName: `${name}-` },
        ...body,
      });
      return;
    }
    this.#store.update(sliceType, {
      apiVersion: live.apiVersion,
      kind: live.kind,
      metadata: { ...clone(live.metadata), ...metadata },
      ...body,
    });
  }
}
