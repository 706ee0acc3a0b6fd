/**
 * The kinds one simulator serves: the built-in ones plus the custom kinds its
 * established CustomResourceDefinitions add. Per simulator, not per process,
 * because tests run several simulated clusters in one process and a CRD in
 * one must not appear in another. Routing, discovery, OpenAPI and the garbage
 * collector all read it.
 */
import { apiVersionOf, type ResourceType, resourceTypes } from "./resource-registry.js";

/** A served API group and its versions, preferred first. */
export interface ServedGroup {
  readonly name: string;
  readonly versions: readonly string[];
}

/** Orders Kubernetes versions as the API server prefers them: GA, then beta, then alpha, newest first. */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const level = m[2] === undefined ? 0 : m[2] === "beta" ? 1 : 2;
    return [level, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return a.localeCompare(b);
}

/** The registry of one simulator. */
export class ServedKinds {
  readonly #custom = new Map<string, readonly ResourceType[]>();
  readonly #listeners = new Set<() => void>();
  #generation = 0;

  /** Every served type: built-in first, then custom ones in the order they were established. */
  all(): readonly ResourceType[] {
    return [...resourceTypes, ...[...this.#custom.values()].flat()];
  }

  /** Bumped on every change, so caches (OpenAPI documents) know to rebuild. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Serves a custom resource at the given versions (one type each, all
   * stored together as `<plural>.<group>`), replacing what it served before.
   */
  put(qualified: string, versions: readonly ResourceType[]): void {
    this.#custom.set(qualified, versions);
    this.#changed();
  }

  /** Stops serving a custom resource at every version. */
  remove(qualified: string): void {
    if (this.#custom.delete(qualified)) this.#changed();
  }

  /** The versions of the custom resource `<plural>.<group>` (empty when not served). */
  custom(qualified: string): readonly ResourceType[] {
    return this.#custom.get(qualified) ?? [];
  }

  /** The type served at `group/version/plural`, if any. */
  findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find(
      (t) => t.group === group && t.version === version && t.plural === plural,
    );
  }

  /** The type of an object's `apiVersion` and `kind`, if served. */
  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  /** The named API groups, in discovery order (built-in first), each with its versions. */
  groups(): ServedGroup[] {
    const out = new Map<string, string[]>();
    for (const t of this.all()) {
      if (!t.group) continue;
      const versions = out.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      out.set(t.group, versions);
    }
    return [...out].map(([name, versions]) => ({
      name,
      versions: versions.sort(compareKubeVersions),
    }));
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    this.#generation++;
    for (const listener of [...this.#listeners]) listener();
  }
}
