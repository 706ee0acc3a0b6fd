import type { Logger } from "@smart-orchestrator/shared";
import { describeRef } from "../apply/object-apply.js";
import type { ObjectRef, ResourceInfo } from "../apply/object-client.js";
import { readinessOf } from "../apply/readiness.js";
import {
  fieldManager,
  type KubeObject,
  ownerEnablerId,
  releaseKeys,
  withReleaseLabels,
} from "../apply/release-labels.js";
import { objectKey } from "../apply/release-scan.js";
import type { DesiredRelease } from "./desired-release.js";
import { holdsDesired } from "./live-match.js";

/** The API calls a repair makes; ObjectClient provides them. */
export interface RepairClient {
  resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  apply(obj: KubeObject, force: boolean): Promise<KubeObject>;
  listSelected(apiVersion: string, kind: string, selector: string): Promise<KubeObject[]>;
}

/** The releases to keep right, and the lock commands hold; ReleaseKeeper provides them. */
export interface HeldReleases {
  /**
   * Makes sure what was saved before a restart is held (loads it if that
   * failed at start); true when this call did the load.
   */
  prepare(): Promise<boolean>;
  held(): DesiredRelease[];
  exclusive<T>(enablerId: string, work: () => Promise<T>): Promise<T>;
}

/** Repeats `fn` every `ms` until the returned stop is called; tests pass a manual one. */
export type Every = (ms: number, fn: () => void) => () => void;

const realEvery: Every = (ms, fn) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

/** Health of a release as the last sweep saw it. */
export type ReleaseHealth = "healthy" | "progressing" | "degraded" | "unknown";

/** What the repairer knows of one release. */
export interface RepairState {
  readonly health: ReleaseHealth;
  /** Why it is not healthy, e.g. "Deployment shop/web: 0 of 1 replicas available". */
  readonly message: string;
  /** Repairs made since the agent started. */
  readonly repairs: number;
  /** The last sweep that repaired something: when and what. */
  readonly lastRepairAtMs: number;
  readonly lastRepaired: readonly string[];
  /** When the last sweep of this release ended. */
  readonly checkedAtMs: number;
}

/** Options for {@link DriftRepairer}. */
export interface DriftRepairerOptions {
  readonly releases: HeldReleases;
  readonly client: RepairClient;
  readonly log: Logger;
  /** Time between sweeps (default 60 s). */
  readonly intervalMs?: number;
  readonly every?: Every;
  readonly now?: () => number;
  /**
   * Called after a sweep that repaired something or changed a release's
   * health, so a connected agent can tell the hub at once (ReleaseStatus).
   */
  readonly onChanged?: () => void;
}

const empty: RepairState = {
  health: "unknown",
  message: "",
  repairs: 0,
  lastRepairAtMs: 0,
  lastRepaired: [],
  checkedAtMs: 0,
};

// Secrets come back with `data` only: compare the stringData a chart set as data.
function comparable(o: KubeObject): KubeObject {
  if (o.kind !== "Secret" || typeof o.stringData !== "object" || o.stringData === null) return o;
  const { stringData, ...rest } = o;
  const data = { ...((rest.data as Record<string, string> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(stringData as Record<string, string>))
    data[k] = Buffer.from(String(v)).toString("base64");
  return { ...rest, data };
}

/**
 * Keeps every held release the way its desired state says, with or without
 * the hub: each sweep reads each object, and server-side applies (same
 * field manager, forced, as the revision's owner) the ones that are missing
 * or whose fields the agent set now differ. Fields the desired objects do
 * not set are never sent, so what other managers own stays theirs.
 */
export class DriftRepairer {
  readonly #o: DriftRepairerOptions;
  readonly #states = new Map<string, RepairState>();
  readonly #now: () => number;
  #stop: (() => void) | undefined;
  #sweeping: Promise<void> | undefined;
  /** Objects re-applied since start, all releases. */
  repairs = 0;
  /** Sweeps finished since start. */
  sweeps = 0;

  constructor(options: DriftRepairerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Starts sweeping every interval. */
  start(): void {
    this.#stop ??= (this.#o.every ?? realEvery)(this.#o.intervalMs ?? 60_000, () => {
      void this.sweep();
    });
  }

  /** Stops sweeping and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.#stop?.();
    this.#stop = undefined;
    await this.#sweeping;
  }

  /** The state of one release, or of none seen yet. */
  stateOf(enablerId: string): RepairState {
    return this.#states.get(enablerId) ?? empty;
  }

  /** One pass over every held release; a pass already running is joined, not doubled. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweepAll().finally(() => {
      this.#sweeping = undefined;
      this.sweeps++;
    });
    return this.#sweeping;
  }

  async #sweepAll(): Promise<void> {
    let loadedNow: boolean;
    try {
      loadedNow = await this.#o.releases.prepare();
    } catch (err) {
      this.#o.log.error(
        { err: (err as Error).message },
        "desired state not loaded; retried next interval",
      );
      return;
    }
    const held = this.#o.releases.held();
    for (const id of this.#states.keys())
      if (!held.some((r) => r.enablerId === id)) this.#states.delete(id);
    const before = this.#signature();
    const seen = await this.#snapshot(held);
    for (const release of held) {
      try {
        await this.#o.releases.exclusive(release.enablerId, () => this.#repair(release, seen));
      } catch (err) {
        this.#o.log.warn(
          { release: release.release, err: (err as Error).message },
          "drift check failed; retried next interval",
        );
        this.#set(release.enablerId, { health: "unknown", message: (err as Error).message });
      }
    }
    // A late load is news too: the session was told nothing while the state could not be read.
    if (loadedNow || this.#signature() !== before) this.#o.onChanged?.();
  }

  /** Each release's health and repair count: what a change worth reporting alters. */
  #signature(): string {
    return [...this.#states]
      .map(([id, s]) => `${id}:${s.health}:${s.repairs}`)
      .sort()
      .join(",");
  }

  /**
   * One list per kind of every object the agent manages, instead of a read
   * per object: a sweep of 20 releases costs a few requests. A kind whose
   * list fails is read object by object.
   */
  async #snapshot(held: readonly DesiredRelease[]): Promise<Map<string, KubeObject>> {
    const kinds = new Map<string, { apiVersion: string; kind: string }>();
    for (const r of held)
      for (const o of r.objects)
        kinds.set(`${o.apiVersion}/${o.kind}`, { apiVersion: o.apiVersion, kind: o.kind });
    const seen = new Map<string, KubeObject>();
    for (const k of kinds.values()) {
      let items: KubeObject[];
      try {
        items = await this.#o.client.listSelected(
          k.apiVersion,
          k.kind,
          `${releaseKeys.managedBy}=${fieldManager}`,
        );
      } catch {
        continue;
      }
      // An empty marker per kind: listed, so an absent key means the object is missing.
      seen.set(`${k.apiVersion}/${k.kind}`, {
        apiVersion: k.apiVersion,
        kind: k.kind,
        metadata: { name: "" },
      });
      for (const o of items)
        seen.set(
          objectKey({
            apiVersion: o.apiVersion,
            kind: o.kind,
            namespace: o.metadata.namespace,
            name: o.metadata.name,
          }),
          o,
        );
    }
    return seen;
  }

  async #read(
    ref: ObjectRef,
    revision: number,
    seen: Map<string, KubeObject>,
  ): Promise<KubeObject | undefined> {
    if (!seen.has(`${ref.apiVersion}/${ref.kind}`)) return this.#o.client.get(ref);
    const listed = seen.get(objectKey(ref));
    // Looks drifted or missing in a list taken before this release's lock: read it again to be sure.
    if (!listed || listed.metadata.annotations?.[releaseKeys.revision] !== String(revision))
      return this.#o.client.get(ref);
    return listed;
  }

  async #repair(d: DesiredRelease, seen: Map<string, KubeObject>): Promise<void> {
    // A command may have replaced or deleted it while this sweep waited for the lock.
    const current = this.#o.releases.held().find((r) => r.enablerId === d.enablerId);
    if (!current) return;
    const repaired: string[] = [];
    const problems: string[] = [];
    let failed = false;
    for (const raw of current.objects) {
      const info = await this.#o.client.resourceInfo(raw.apiVersion, raw.kind);
      if (!info) {
        problems.push(`${raw.kind} ${raw.metadata.name}: ${raw.apiVersion} not served`);
        continue;
      }
      const { namespace, ...meta } = raw.metadata;
      const placed: KubeObject = {
        ...raw,
        metadata: info.namespaced ? { ...meta, namespace: namespace ?? current.namespace } : meta,
      };
      const desired = withReleaseLabels(placed, current, current.revision);
      const ref: ObjectRef = {
        apiVersion: desired.apiVersion,
        kind: desired.kind,
        namespace: desired.metadata.namespace,
        name: desired.metadata.name,
      };
      let live = await this.#read(ref, current.revision, seen);
      if (live && ownerEnablerId(live.metadata) !== current.enablerId) {
        // Someone else's object by now: never taken over (the apply engine's rule too).
        problems.push(`${describeRef(ref)}: no longer labelled as this release's; left alone`);
        continue;
      }
      const want = comparable(desired);
      if (live && !holdsDesired(want, live) && seen.get(objectKey(ref)) === live)
        live = await this.#o.client.get(ref);
      if (!live || !holdsDesired(want, live)) {
        const after = await this.#o.client.apply(desired, true);
        // Still "different" after the apply: a value the server spells its own way ("0.5" as
        // "500m"), not drift; the apply changed nothing and is not counted.
        if (!live || holdsDesired(want, after)) {
          const what = `${describeRef(ref)} (${live ? "reverted" : "recreated"})`;
          repaired.push(what);
          this.#o.log.warn(
            { release: current.release, revision: current.revision, object: what },
            "drift repaired",
          );
        }
        live = after;
      }
      const r = readinessOf(live);
      if (!r.ready) problems.push(`${describeRef(ref)}: ${r.message}`);
      if (r.failed) failed = true;
    }
    this.repairs += repaired.length;
    const before = this.stateOf(current.enablerId);
    this.#set(current.enablerId, {
      health: failed ? "degraded" : problems.length > 0 ? "progressing" : "healthy",
      message: problems.join("; ").slice(0, 1024),
      ...(repaired.length > 0
        ? {
            repairs: before.repairs + repaired.length,
            lastRepairAtMs: this.#now(),
            lastRepaired: repaired.slice(0, 100),
          }
        : {}),
    });
  }

  #set(enablerId: string, patch: Partial<RepairState>): void {
    this.#states.set(enablerId, {
      ...this.stateOf(enablerId),
      ...patch,
      checkedAtMs: this.#now(),
    });
  }
}
