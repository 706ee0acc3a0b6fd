import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import {
  checkManifestObjects,
  type ManifestRenderer,
  type RenderedObject,
  type RenderRequest,
  splitManifests,
} from "./manifest-renderer.js";

/**
 * Renders plain manifests (multi-document YAML, or a list of objects): no
 * templating, so deploys work (and are testable) without Helm. Objects are
 * checked and hook-tagged like Helm output.
 */
export class RawManifestRenderer implements ManifestRenderer {
  readonly sourceType = "manifests" as const;
  readonly #maxBytes: number;

  /** `maxBytes` caps the manifest text (default 8 MiB). */
  constructor(options: { maxBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  }

  /** Splits the manifests into objects; a list is checked as is, never re-serialised. */
  async render(request: RenderRequest): Promise<RenderedObject[]> {
    const { source } = request;
    if (source.type !== "manifests") {
      throw new AppError(ErrorCode.InvalidArgument, "the raw-manifest renderer takes manifests");
    }
    // A list arrived in an already size-capped body, and the builder caps the rendered release.
    if ("yaml" in source && Buffer.byteLength(source.yaml) > this.#maxBytes) {
      throw new AppError(
        ErrorCode.PayloadTooLarge,
        `manifests are larger than ${this.#maxBytes} bytes`,
      );
    }
    const objects =
      "yaml" in source
        ? splitManifests(source.yaml, "manifests")
        : checkManifestObjects(source.objects, "manifests");
    if (objects.length === 0) {
      throw new AppError(ErrorCode.InvalidArgument, "manifests: no Kubernetes objects found");
    }
    return objects;
  }
}
