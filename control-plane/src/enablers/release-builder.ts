import { createHash } from "node:crypto";
import { AppError, ErrorCode, maxLinkMessageBytes } from "@smart-orchestrator/shared";
import semver from "semver";
import type { FetchedChart } from "../charts/chart-fetcher.js";
import type { KubeObject, RenderedObject, RenderRequest } from "../charts/manifest-renderer.js";
import { effectiveValues, type Values } from "../charts/values.js";
import { type PackedObjects, packObjects } from "./revision-store.js";

/** The largest rendered release (objects as JSON) accepted: the agent link's message limit. */
export const defaultMaxRenderedBytes = maxLinkMessageBytes;

/** The chart pipeline this module needs (ChartFetcher and RendererSet implement it). */
export interface ChartSource {
  fetch(ref: string, version?: string): Promise<FetchedChart>;
}

/** Renders a request (RendererSet implements it). */
export interface Renderer {
  render(request: RenderRequest): Promise<RenderedObject[]>;
}

/** What the target cluster tells Helm about itself. */
export interface TargetCluster {
  readonly id: string;
  readonly name: string;
  /** From the agent's Hello; unknown before the first connection. */
  readonly kubernetesVersion?: string;
}

/** What to build: a chart with values, or raw manifests (YAML or a list of objects). */
export type ReleaseSource =
  | {
      readonly type: "chart";
      readonly ref: string;
      readonly versionSpec?: string;
      readonly values: Values;
    }
  | { readonly type: "manifests"; readonly yaml: string }
  | { readonly type: "manifests"; readonly objects: readonly Record<string, unknown>[] };

/**
 * What a create request deploys: a chart with values, or its manifests as
 * sent (YAML text, or a list kept as objects: no YAML round trip).
 */
export function sourceOf(
  helmChart: string | undefined,
  manifests: string | readonly Record<string, unknown>[] | undefined,
  version: string | null | undefined,
  values: Record<string, unknown>,
): ReleaseSource {
  if (helmChart)
    return { type: "chart", ref: helmChart, ...(version ? { versionSpec: version } : {}), values };
  if (typeof manifests === "string") return { type: "manifests", yaml: manifests };
  return { type: "manifests", objects: manifests ?? [] };
}

/** A built release, ready to be stored as a revision. */
export interface BuiltRelease {
  readonly packed: PackedObjects;
  readonly chart?: string;
  /** The pinned chart version. */
  readonly version?: string;
  readonly valuesDigest: string;
  /** Helm test hooks the render dropped. */
  readonly testHooks?: number;
}

/** What {@link ReleaseBuilder} is built from. */
export interface ReleaseBuilderDeps {
  readonly charts: ChartSource;
  readonly renderer: Renderer;
  readonly maxRenderedBytes?: number;
}

/**
 * Validates, resolves and renders a release before anything is stored:
 * the chart and version (pinned), values against `values.schema.json`, the
 * chart's `kubeVersion` against the cluster, and the rendered size. Errors
 * name the request field (`helmChart`, `version`, `values.*`, `manifests`).
 * Helm test hooks are dropped: they are never applied.
 */
export class ReleaseBuilder {
  readonly #d: ReleaseBuilderDeps;

  constructor(deps: ReleaseBuilderDeps) {
    this.#d = deps;
  }

  /** Builds the release for `name` in `namespace` on `cluster`. */
  async build(
    source: ReleaseSource,
    target: { cluster: TargetCluster; name: string; namespace: string },
  ): Promise<BuiltRelease> {
    if (source.type === "manifests") {
      const { objects, testHooks } = await this.#render(source, target, undefined, "manifests");
      return {
        packed: this.#pack(objects, "manifests"),
        valuesDigest: digestOf({}),
        ...(testHooks > 0 ? { testHooks } : {}),
      };
    }
    const chart = await this.#fetch(source.ref, source.versionSpec);
    checkKubeVersion(chart, target.cluster);
    effectiveValues(chart, source.values, chart.digest);
    const { objects, testHooks } = await this.#render(
      { type: "chart", archivePath: chart.archivePath, values: source.values },
      target,
      target.cluster.kubernetesVersion,
      "helmChart",
    );
    return {
      packed: this.#pack(objects, "helmChart"),
      chart: source.ref,
      version: chart.version,
      valuesDigest: digestOf(source.values),
      ...(testHooks > 0 ? { testHooks } : {}),
    };
  }

  async #fetch(ref: string, versionSpec: string | undefined): Promise<FetchedChart> {
    try {
      return await this.#d.charts.fetch(ref, versionSpec);
    } catch (err) {
      const e = AppError.from(err);
      if (e.fields.length > 0 || e.code === ErrorCode.Internal) throw err;
      // The repository service names no field: a missing version is `version`, the rest `helmChart`.
      const field = / has no (version|stable version)/.test(e.message) ? "version" : "helmChart";
      throw new AppError(e.code, e.message, { fields: [{ field, reason: e.message }], cause: err });
    }
  }

  async #render(
    source: RenderRequest["source"],
    target: { name: string; namespace: string },
    kubeVersion: string | undefined,
    field: string,
  ): Promise<{ objects: KubeObject[]; testHooks: number }> {
    let rendered: RenderedObject[];
    try {
      rendered = await this.#d.renderer.render({
        source,
        releaseName: target.name,
        namespace: target.namespace,
        ...(kubeVersion ? { kubeVersion } : {}),
      });
    } catch (err) {
      const e = AppError.from(err);
      if (e.code !== ErrorCode.InvalidArgument || e.fields.length > 0) throw err;
      throw new AppError(e.code, e.message, { fields: [{ field, reason: e.message }], cause: err });
    }
    // Test hooks are never applied; the revision counts them.
    const objects = rendered.filter((r) => !r.hooks.includes("test")).map((r) => r.object);
    const testHooks = rendered.length - objects.length;
    if (objects.length === 0) {
      throw new AppError(ErrorCode.InvalidArgument, `${field}: renders no Kubernetes objects`, {
        fields: [{ field, reason: "renders no Kubernetes objects" }],
      });
    }
    return { objects, testHooks };
  }

  #pack(objects: KubeObject[], field: string): PackedObjects {
    const packed = packObjects(objects);
    const max = this.#d.maxRenderedBytes ?? defaultMaxRenderedBytes;
    if (packed.renderedBytes > max) {
      const reason = `the rendered release is ${packed.renderedBytes} bytes; the limit is ${max} bytes`;
      throw new AppError(ErrorCode.InvalidArgument, `${field}: ${reason}`, {
        fields: [{ field, reason }],
      });
    }
    return packed;
  }
}

/** A chart whose `kubeVersion` excludes the cluster's version is refused (when the version is known). */
function checkKubeVersion(chart: FetchedChart, cluster: TargetCluster): void {
  const range = chart.metadata.kubeVersion;
  const have = cluster.kubernetesVersion;
  if (!range || !have) return;
  const version = semver.coerce(have, { includePrerelease: true });
  if (!version || semver.validRange(range, { loose: true }) === null) return;
  if (semver.satisfies(version, range, { includePrerelease: true, loose: true })) return;
  const reason = `chart ${chart.ref} ${chart.version} requires Kubernetes ${range}; cluster ${cluster.name} runs ${have}`;
  throw new AppError(ErrorCode.InvalidArgument, reason, {
    fields: [{ field: "helmChart", reason }],
  });
}

/** sha256 of values as canonical JSON (keys sorted), hex. */
export function digestOf(values: Values): string {
  return createHash("sha256").update(canonicalJson(values)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
