/** The field manager every write of the apply engine uses. */
export const fieldManager = "smart-orchestrator";

/** Label and annotation keys the agent puts on every object of a release. */
export const releaseKeys = {
  instance: "app.kubernetes.io/instance",
  managedBy: "app.kubernetes.io/managed-by",
  enablerId: "smart-orchestrator.io/enabler-id",
  revision: "smart-orchestrator.io/revision",
} as const;

/** Which release an object belongs to. */
export interface ReleaseIdentity {
  readonly release: string;
  readonly enablerId: string;
}

/** A Kubernetes object as plain JSON, the way the apply engine handles it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The label selector that finds every object of a release, and only those. */
export function releaseSelector(id: ReleaseIdentity): string {
  return [
    `${releaseKeys.managedBy}=${fieldManager}`,
    `${releaseKeys.enablerId}=${id.enablerId}`,
    `${releaseKeys.instance}=${id.release}`,
  ].join(",");
}

/**
 * A copy of `obj` carrying the release's labels and revision annotation,
 * overriding what the chart set under those keys (charts set
 * managed-by=Helm, which would be a lie here).
 */
export function withReleaseLabels(
  obj: KubeObject,
  id: ReleaseIdentity,
  revision: number,
): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: {
        ...obj.metadata.labels,
        [releaseKeys.instance]: id.release,
        [releaseKeys.managedBy]: fieldManager,
        [releaseKeys.enablerId]: id.enablerId,
      },
      annotations: { ...obj.metadata.annotations, [releaseKeys.revision]: String(revision) },
    },
  };
}

interface LiveMeta {
  readonly labels?: Record<string, string> | undefined;
  readonly managedFields?: readonly { manager?: string | undefined }[] | undefined;
}

/** The enabler id an object is labelled with, if it carries our managed-by label. */
export function ownerEnablerId(meta: LiveMeta): string | undefined {
  const labels = meta.labels ?? {};
  return labels[releaseKeys.managedBy] === fieldManager ? labels[releaseKeys.enablerId] : undefined;
}

/**
 * Whether the agent created this object for this release: all three labels
 * match and our field manager wrote it. Both are needed before anything is
 * pruned or deleted: labels can be copied by anyone (a pod template's labels
 * end up on its pods), managed fields cannot be faked by a chart.
 */
export function isReleaseObject(meta: LiveMeta, id: ReleaseIdentity): boolean {
  const labels = meta.labels ?? {};
  return (
    labels[releaseKeys.managedBy] === fieldManager &&
    labels[releaseKeys.enablerId] === id.enablerId &&
    labels[releaseKeys.instance] === id.release &&
    (meta.managedFields ?? []).some((f) => f.manager === fieldManager)
  );
}
