import { FailureKind, ObjectAction, ObjectStatus } from "@smart-orchestrator/shared";
import type { EngineOutcome, EngineProgress } from "../apply/apply-engine.js";
import { CommandFailure } from "../apply/command-failure.js";
import type { DeleteVolumesInput } from "../apply/command-input.js";
import type { WatchReader } from "../apply/kind-watch.js";
import { describeRef } from "../apply/object-apply.js";
import type { ObjectRef } from "../apply/object-client.js";
import { ReadinessWaiter, systemClock, type WaitClock } from "../apply/readiness-waiter.js";
import { type KubeObject, releaseKeys, releaseSelector } from "../apply/release-labels.js";

/** The API calls removing volumes makes (list and watch to see them go); ObjectClient provides them. */
export interface VolumeClient extends WatchReader {
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  listSelected(
    apiVersion: string,
    kind: string,
    selector: string,
    namespace?: string,
  ): Promise<KubeObject[]>;
  remove(ref: ObjectRef): Promise<boolean>;
}

/** A StatefulSet's claim template: its claims are `<template>-<statefulSet>-<ordinal>`. */
export interface ClaimTemplate {
  readonly template: string;
  readonly statefulSet: string;
}

/** What a release's objects say about its volumes: claim templates and the claims it made itself. */
export interface VolumeHints {
  readonly templates: readonly ClaimTemplate[];
  readonly claims: readonly string[];
}

/** The volume hints of a release's objects. */
export function volumeHintsOf(objects: readonly KubeObject[]): VolumeHints {
  return {
    templates: claimTemplatesOf(objects),
    claims: objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name),
  };
}

/** The claim templates of the StatefulSets among `objects`. */
export function claimTemplatesOf(objects: readonly KubeObject[]): ClaimTemplate[] {
  return objects
    .filter((o) => o.kind === "StatefulSet")
    .flatMap((o) => {
      const templates = (o.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] })
        ?.volumeClaimTemplates;
      return (templates ?? [])
        .map((t) => t.metadata?.name)
        .filter((n): n is string => typeof n === "string")
        .map((template) => ({ template, statefulSet: o.metadata.name }));
    });
}

const workloadKinds = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "apps/v1", kind: "DaemonSet" },
  { apiVersion: "batch/v1", kind: "Job" },
];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const deleted = (ref: ObjectRef, message = "") =>
  ObjectStatus.fromPartial({
    group: "",
    kind: ref.kind,
    namespace: ref.namespace ?? "",
    name: ref.name,
    action: ObjectAction.OBJECT_ACTION_DELETED,
    ready: true,
    message,
  });

/**
 * Deletes a release's volumes: its labelled claims and those its
 * StatefulSets' templates made, then the volumes bound to them, whatever
 * their reclaim policy (a `Retain` volume would otherwise outlive the
 * release for good). Refused while the release's workloads exist, unless forced.
 */
export class VolumeRemover {
  readonly #c: VolumeClient;
  readonly #clock: WaitClock;
  readonly #waiter: ReadinessWaiter;

  constructor(client: VolumeClient, clock: WaitClock = systemClock) {
    this.#c = client;
    this.#clock = clock;
    this.#waiter = new ReadinessWaiter(client, clock);
  }

  /** Removes the volumes; `known` adds what the release held, for claims and StatefulSets already gone. */
  async remove(
    input: DeleteVolumesInput,
    known: VolumeHints,
    progress: EngineProgress,
  ): Promise<EngineOutcome> {
    const deadline = this.#clock.now() + input.timeoutMs;
    const workloads: KubeObject[] = [];
    for (const k of workloadKinds)
      workloads.push(...(await this.#c.listSelected(k.apiVersion, k.kind, releaseSelector(input))));
    if (workloads.length > 0 && !input.force) {
      const names = workloads.map((w) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`);
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_IN_USE,
        `the release's workloads still run: ${names.slice(0, 20).join(", ")}; delete the release first, or force`,
      );
    }
    const templates = [...known.templates, ...claimTemplatesOf(workloads)];
    const patterns = templates.map(
      (t) => new RegExp(`^${escapeRegExp(t.template)}-${escapeRegExp(t.statefulSet)}-\\d+$`),
    );
    const named = new Set(known.claims);
    const ours = (name: string) => named.has(name) || patterns.some((p) => p.test(name));
    const claims = (
      await this.#c.listSelected("v1", "PersistentVolumeClaim", "", input.namespace)
    ).filter(
      (c) => c.metadata.labels?.[releaseKeys.instance] === input.release || ours(c.metadata.name),
    );
    for (const c of claims) named.add(c.metadata.name);
    const statuses: ObjectStatus[] = [];
    const gone: ObjectRef[] = [];
    for (const claim of claims) {
      const ref = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: input.namespace,
        name: claim.metadata.name,
      };
      progress(`deleting ${describeRef(ref)}`, []);
      if (await this.#c.remove(ref)) gone.push(ref);
      statuses.push(deleted(ref));
      const volume = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
      if (!volume) continue;
      const pvRef = { apiVersion: "v1", kind: "PersistentVolume", name: volume };
      const pv = await this.#c.get(pvRef);
      const policy = (pv?.spec as { persistentVolumeReclaimPolicy?: string } | undefined)
        ?.persistentVolumeReclaimPolicy;
      if (pv && (await this.#c.remove(pvRef))) gone.push(pvRef);
      statuses.push(
        deleted(pvRef, pv ? `reclaim policy ${policy ?? "?"}` : "removed with its claim"),
      );
    }
    // Volumes whose claims went earlier (with the release's Delete): Retain keeps them, Released.
    for (const pv of await this.#c.listSelected("v1", "PersistentVolume", "")) {
      const claim = (pv.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)
        ?.claimRef;
      if (claim?.namespace !== input.namespace || !claim.name || !ours(claim.name)) continue;
      if (statuses.some((st) => st.kind === "PersistentVolume" && st.name === pv.metadata.name))
        continue;
      const pvRef = { apiVersion: "v1", kind: "PersistentVolume", name: pv.metadata.name };
      if (await this.#c.remove(pvRef)) gone.push(pvRef);
      const policy = (pv.spec as { persistentVolumeReclaimPolicy?: string })
        .persistentVolumeReclaimPolicy;
      statuses.push(deleted(pvRef, `reclaim policy ${policy ?? "?"}; its claim was already gone`));
    }
    const left = await this.#waitGone(gone, deadline, progress);
    if (left.length > 0)
      throw new CommandFailure(
        FailureKind.FAILURE_KIND_TIMEOUT,
        `still present at the deadline (finalizers?): ${left.map(describeRef).join(", ").slice(0, 4000)}`,
        { objects: statuses },
      );
    return { objects: statuses, appliedRevision: 0 };
  }

  // Listed then watched until gone, as the release's own Delete waits: no read per object per pause.
  async #waitGone(
    refs: ObjectRef[],
    deadline: number,
    progress: EngineProgress,
  ): Promise<ObjectRef[]> {
    if (refs.length === 0) return [];
    const out = await this.#waiter.wait(refs, {
      deadline,
      // Template-made claims and volumes carry none of the release's labels.
      selector: "",
      gone: true,
      progress: (left) => progress(`waiting for ${left.length} volumes and claims to be gone`, []),
    });
    return out.states.filter((s) => !s.ready).map((s) => s.ref);
  }
}
