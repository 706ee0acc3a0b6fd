import { groupOf, type ObjectRef, type ServedKind } from "./object-client.js";
import {
  isReleaseObject,
  type KubeObject,
  type ReleaseIdentity,
  releaseKeys,
  releaseSelector,
} from "./release-labels.js";

/** The reads a scan needs; ObjectClient provides them. */
export interface ScanClient {
  servedKinds(): Promise<ServedKind[]>;
  listSelected(
    apiVersion: string,
    kind: string,
    selector: string,
    namespace?: string,
  ): Promise<KubeObject[]>;
}

/** Identity of an object across API versions: group, kind, namespace, name. */
export function objectKey(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

// Lists never worth scanning: they are never release objects, and events are many.
const skipped = new Set([
  "Event",
  "Pod",
  "ReplicaSet",
  "ControllerRevision",
  "EndpointSlice",
  "Endpoints",
  "Lease",
]);

/**
 * Finds the release's objects in the cluster: every object of `kinds`
 * (all served kinds when undefined) that carries the release's labels and
 * was written by our field manager. Lists run a few at a time.
 */
export async function scanRelease(
  client: ScanClient,
  id: ReleaseIdentity,
  kinds?: readonly Pick<ObjectRef, "apiVersion" | "kind">[],
): Promise<KubeObject[]> {
  const targets = kinds ?? (await client.servedKinds()).filter((k) => !skipped.has(k.kind));
  const selector = releaseSelector(id);
  const found: KubeObject[] = [];
  const queue = [...targets];
  const worker = async () => {
    for (let k = queue.shift(); k; k = queue.shift()) {
      const items = await client.listSelected(k.apiVersion, k.kind, selector);
      found.push(...items.filter((o) => isReleaseObject(o.metadata, id)));
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  // One object can be served under two group versions (say autoscaling v1 and v2): keep one.
  const byKey = new Map<string, KubeObject>();
  for (const o of found)
    byKey.set(objectKey({ ...o.metadata, apiVersion: o.apiVersion, kind: o.kind }), o);
  return [...byKey.values()];
}

/** The revision annotation of the newest object in `objects`, or 0. */
export function newestRevision(objects: readonly KubeObject[]): number {
  let max = 0;
  for (const o of objects) {
    const n = Number(o.metadata.annotations?.[releaseKeys.revision] ?? 0);
    if (Number.isSafeInteger(n) && n > max) max = n;
  }
  return max;
}
