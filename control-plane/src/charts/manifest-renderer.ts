import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { parseAllDocuments } from "yaml";
import type { Values } from "./values.js";

/**
 * What to render: a chart archive with user values, or plain manifests, as
 * multi-document YAML or as the objects a JSON body already holds.
 */
export type ManifestSource =
  | { readonly type: "chart"; readonly archivePath: string; readonly values: Values }
  | { readonly type: "manifests"; readonly yaml: string }
  | { readonly type: "manifests"; readonly objects: readonly Record<string, unknown>[] };

/** A render of one release for one target cluster. */
export interface RenderRequest {
  readonly source: ManifestSource;
  readonly releaseName: string;
  readonly namespace: string;
  /** Target cluster version, e.g. `v1.30.2` (Helm's `.Capabilities.KubeVersion`). */
  readonly kubeVersion?: string;
  /** API versions the target serves, e.g. `monitoring.coreos.com/v1/ServiceMonitor`. */
  readonly apiVersions?: readonly string[];
}

/** A Kubernetes object as rendered. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly generateName?: string } & Record<
    string,
    unknown
  >;
  readonly [key: string]: unknown;
}

/** One rendered object and its Helm hook tags (empty for ordinary objects). */
export interface RenderedObject {
  readonly object: KubeObject;
  /** From `helm.sh/hook`, e.g. `["pre-install", "pre-upgrade"]`; `test-success` reads as `test`. */
  readonly hooks: readonly string[];
  /** From `helm.sh/hook-weight`; 0 when absent. */
  readonly hookWeight: number;
  /** From `helm.sh/hook-delete-policy`. */
  readonly hookDeletePolicies: readonly string[];
  /** The template it came from (`# Source:` in Helm output), when known. */
  readonly source?: string;
}

/** Turns a source into Kubernetes objects. One implementation per source type. */
export interface ManifestRenderer {
  readonly sourceType: ManifestSource["type"];
  render(request: RenderRequest): Promise<RenderedObject[]>;
}

/** Dispatches a request to the renderer for its source type. */
export class RendererSet {
  readonly #byType: Map<string, ManifestRenderer>;

  constructor(renderers: readonly ManifestRenderer[]) {
    this.#byType = new Map(renderers.map((r) => [r.sourceType, r]));
  }

  /** Renders with the matching renderer; `failed_precondition` when none is configured. */
  async render(request: RenderRequest): Promise<RenderedObject[]> {
    const r = this.#byType.get(request.source.type);
    if (!r) {
      throw new AppError(ErrorCode.FailedPrecondition, `no renderer for ${request.source.type}`);
    }
    return r.render(request);
  }
}

/** Limits on one render's output. */
export interface SplitLimits {
  readonly maxObjects: number;
}

const knownHooks = new Set([
  "pre-install",
  "post-install",
  "pre-delete",
  "post-delete",
  "pre-upgrade",
  "post-upgrade",
  "pre-rollback",
  "post-rollback",
  "test",
]);

/**
 * Splits multi-document YAML into objects: empty documents are dropped,
 * `kind: *List` is flattened, every object needs apiVersion, kind and a
 * name, and aliases are capped (a YAML bomb is refused, not expanded).
 * `what` names the input in errors ("manifests", "helm output").
 */
export function splitManifests(
  text: string,
  what: string,
  limits: SplitLimits = { maxObjects: 10_000 },
): RenderedObject[] {
  const docs = parseAllDocuments(text, { version: "1.1", merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  return collect(
    list.map((doc, i) => () => {
      const where = `${what}, document ${i + 1}`;
      const first = doc.errors[0];
      if (first) throw invalid(`${where}: ${first.message.split("\n")[0]}`);
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        throw invalid(`${where}: ${(err as Error).message.split("\n")[0]}`);
      }
      // Helm writes `# Source: <template>` first in each document; the parser hangs it on the root node.
      const comments = `${doc.commentBefore ?? ""}\n${doc.contents?.commentBefore ?? ""}`;
      return { value, source: /Source:\s*(\S+)/.exec(comments)?.[1] };
    }),
    what,
    limits,
  );
}

/**
 * Checks and tags objects that came as a list (a JSON body), exactly as
 * {@link splitManifests} would the same list as YAML documents, without the
 * YAML round trip: item `i` is reported as document `i + 1`.
 */
export function checkManifestObjects(
  values: readonly unknown[],
  what: string,
  limits: SplitLimits = { maxObjects: 10_000 },
): RenderedObject[] {
  return collect(
    values.map((value) => () => ({ value, source: undefined })),
    what,
    limits,
  );
}

type Document = () => { value: unknown; source: string | undefined };

function collect(docs: readonly Document[], what: string, limits: SplitLimits): RenderedObject[] {
  const out: RenderedObject[] = [];
  docs.forEach((read, i) => {
    const { value, source } = read();
    if (value === null || value === undefined) return;
    for (const obj of flatten(value, `${what}, document ${i + 1}`)) {
      if (out.length >= limits.maxObjects)
        throw invalid(`${what}: more than ${limits.maxObjects} objects`);
      out.push(tag(obj, source));
    }
  });
  return out;
}

function flatten(value: unknown, where: string): KubeObject[] {
  const obj = value as Record<string, unknown>;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalid(`${where}: is not a Kubernetes object (a mapping with apiVersion and kind)`);
  }
  if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) {
    return obj.items.flatMap((item, j) => flatten(item, `${where}, item ${j + 1}`));
  }
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
    throw invalid(`${where}: needs apiVersion and kind`);
  }
  if (typeof meta?.name !== "string" && typeof meta?.generateName !== "string") {
    throw invalid(`${where}: ${obj.kind} needs metadata.name`);
  }
  return [obj as KubeObject];
}

function tag(object: KubeObject, source: string | undefined): RenderedObject {
  const ann = (object.metadata.annotations ?? {}) as Record<string, unknown>;
  const list = (key: string): string[] =>
    typeof ann[key] === "string"
      ? (ann[key] as string)
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
      : [];
  const hooks = [...new Set(list("helm.sh/hook").map((h) => (h === "test-success" ? "test" : h)))];
  const unknown = hooks.find((h) => !knownHooks.has(h));
  if (unknown) {
    throw invalid(`${object.kind} ${object.metadata.name}: unknown helm.sh/hook "${unknown}"`);
  }
  const weight = Number.parseInt(String(ann["helm.sh/hook-weight"] ?? "0"), 10);
  return {
    object,
    hooks,
    hookWeight: Number.isFinite(weight) ? weight : 0,
    hookDeletePolicies: list("helm.sh/hook-delete-policy"),
    ...(source ? { source } : {}),
  };
}

function invalid(message: string): AppError {
  return new AppError(ErrorCode.InvalidArgument, message);
}
