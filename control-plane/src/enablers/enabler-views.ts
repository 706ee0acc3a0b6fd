import type { EnablerDoc, VolumesOutcome } from "./enabler-doc.js";
import type { DeletedEnablerView, EnablerDetailView, EnablerView } from "./enabler-schemas.js";
import type { TombstoneDoc } from "./tombstone-store.js";

/** Maps a stored enabler to the list shape (the original fields plus status). */
export function toEnablerView(doc: EnablerDoc, clusterName?: string): EnablerView {
  return {
    uid: doc._id,
    _id: doc._id,
    name: doc.name,
    ...(doc.helmChart ? { helmChart: doc.helmChart } : {}),
    ...(doc.version ? { version: doc.version } : {}),
    values: doc.values,
    cluster: doc.cluster,
    ...(clusterName ? { clusterName } : {}),
    namespace: doc.namespace,
    timeout: doc.timeout,
    auto: doc.auto,
    ...(doc.placementPolicy ? { placementPolicy: doc.placementPolicy } : {}),
    status: doc.status,
    statusReason: doc.statusReason,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** Maps a stored enabler to the detail view: revisions, objects, progress and status moves. */
export function toEnablerDetail(doc: EnablerDoc, clusterName?: string): EnablerDetailView {
  const p = doc.pending;
  return {
    ...toEnablerView(doc, clusterName),
    currentRevision: doc.currentRevision,
    ...(doc.appliedRevision !== undefined ? { appliedRevision: doc.appliedRevision } : {}),
    ...(p
      ? {
          operation: {
            name: p.operation,
            ...(p.revision !== undefined ? { revision: p.revision } : {}),
            since: p.issuedAt,
          },
        }
      : {}),
    revisions: doc.revisions.map((r) => ({ ...r })),
    objects: doc.objects.map((o) => ({ ...o })),
    ...(doc.progress
      ? {
          progress: {
            message: doc.progress.message,
            waitingFor: doc.progress.waitingFor.map((o) => ({ ...o })),
            at: doc.progress.at,
          },
        }
      : {}),
    moves: doc.moves.map((m) => ({ ...m })),
    // Written only by placement/ from a PlacementDecision, so it has the view's shape.
    ...(doc.placement ? { placement: doc.placement as EnablerDetailView["placement"] } : {}),
    ...(doc.confirmed
      ? {
          clusterState: {
            confirmedAt: doc.confirmed.at,
            ...(doc.confirmed.revision !== undefined ? { revision: doc.confirmed.revision } : {}),
            health: doc.confirmed.health as NonNullable<
              EnablerDetailView["clusterState"]
            >["health"],
            message: doc.confirmed.message,
            repairs: doc.confirmed.repairs,
          },
        }
      : {}),
    ...(doc.lastRepair
      ? { lastRepair: { at: doc.lastRepair.at, objects: [...doc.lastRepair.objects] } }
      : {}),
    ...(doc.volumes ? { volumes: volumesView(doc.volumes) } : {}),
  };
}

/** Maps a tombstone to what `GET /enabler/:id` shows for a deleted enabler. */
export function toDeletedView(doc: TombstoneDoc, clusterName?: string): DeletedEnablerView {
  const queued = doc.pending?.operation === "delete";
  return {
    uid: doc._id,
    _id: doc._id,
    name: doc.name,
    cluster: doc.cluster,
    ...(clusterName ? { clusterName } : {}),
    namespace: doc.namespace,
    status: "Deleted",
    statusReason: `deleted at ${doc.deletedAt}${queued ? "; its objects are deleted when the cluster takes the queued delete" : ""}; kept until ${doc.expiresAt} for DELETE /enabler/volumes/${doc._id}`,
    deletedAt: doc.deletedAt,
    expiresAt: doc.expiresAt,
    deleteQueued: queued,
    ...(doc.volumes ? { volumes: volumesView(doc.volumes) } : {}),
  };
}

function volumesView(v: VolumesOutcome) {
  return { at: v.at, ok: v.ok, message: v.message, deleted: [...v.deleted] };
}
