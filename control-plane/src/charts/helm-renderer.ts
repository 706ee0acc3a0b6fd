import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import {
  type ManifestRenderer,
  type RenderedObject,
  type RenderRequest,
  splitManifests,
} from "./manifest-renderer.js";

/** What {@link HelmRenderer} is built from. */
export interface HelmRendererOptions {
  /** The helm binary (config HELM_BIN); `helm` on PATH when absent. */
  readonly helmBin?: string;
  /** Folder for the per-render values file (created on demand). */
  readonly workDir: string;
  readonly timeoutMs?: number;
  /** Largest accepted `helm template` output. */
  readonly maxOutputBytes?: number;
}

/** How to get helm, for the error shown when it is missing. */
export const helmInstallHint =
  "install Helm 3.8+ or 4 (https://helm.sh/docs/intro/install/, e.g. " +
  "`curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash`) " +
  "and put it on PATH or set HELM_BIN; raw-manifest enablers work without it";

const releaseName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const namespaceName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Renders a chart archive with `helm template`, given the release name,
 * namespace, the user's values (Helm merges them over the chart defaults
 * itself, so `null` deletions behave exactly as in Helm), the target's
 * Kubernetes version and API versions, and `--include-crds`. The output is
 * split into objects with their hooks tagged. `lookup` is not supported:
 * `helm template` has no cluster to look in, so it returns nothing.
 */
export class HelmRenderer implements ManifestRenderer {
  readonly sourceType = "chart" as const;
  readonly #o: HelmRendererOptions;

  constructor(options: HelmRendererOptions) {
    this.#o = options;
  }

  /** Runs `helm template` and splits its output. */
  async render(request: RenderRequest): Promise<RenderedObject[]> {
    const { source } = request;
    if (source.type !== "chart") {
      throw new AppError(ErrorCode.InvalidArgument, "the helm renderer takes a chart archive");
    }
    if (request.releaseName.length > 53 || !releaseName.test(request.releaseName)) {
      throw new AppError(
        ErrorCode.InvalidArgument,
        `release name "${request.releaseName}" must be lowercase DNS-1123, at most 53 characters`,
      );
    }
    if (!namespaceName.test(request.namespace) || request.namespace.length > 63) {
      throw new AppError(ErrorCode.InvalidArgument, `namespace "${request.namespace}" is invalid`);
    }
    await mkdir(this.#o.workDir, { recursive: true });
    const valuesFile = join(this.#o.workDir, `values-${randomUUID()}.json`);
    // JSON is YAML, and JSON.stringify cannot produce anchors or tags.
    await writeFile(valuesFile, JSON.stringify(source.values), { mode: 0o600 });
    const args = [
      "template",
      request.releaseName,
      source.archivePath,
      "--namespace",
      request.namespace,
      "--values",
      valuesFile,
      "--include-crds",
      ...(request.kubeVersion ? ["--kube-version", request.kubeVersion] : []),
      ...(request.apiVersions ?? []).flatMap((a) => ["--api-versions", a]),
    ];
    try {
      const stdout = await this.#run(args);
      return splitManifests(stdout, "helm template output");
    } finally {
      await rm(valuesFile, { force: true });
    }
  }

  #run(args: string[]): Promise<string> {
    const bin = this.#o.helmBin ?? "helm";
    const timeout = this.#o.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
      execFile(
        bin,
        args,
        { timeout, maxBuffer: this.#o.maxOutputBytes ?? 64 * 1024 * 1024, encoding: "utf8" },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
          if (e.code === "ENOENT" || e.code === "EACCES") {
            return reject(
              new AppError(
                ErrorCode.FailedPrecondition,
                `helm is not available (${bin}: ${e.code === "ENOENT" ? "not found" : "not executable"}); ${helmInstallHint}`,
                { cause: err },
              ),
            );
          }
          if (e.killed && e.signal === "SIGTERM") {
            return reject(
              new AppError(ErrorCode.DeadlineExceeded, `helm template took over ${timeout} ms`, {
                cause: err,
              }),
            );
          }
          const detail = (stderr || e.message).trim().slice(0, 2000);
          reject(
            new AppError(ErrorCode.InvalidArgument, `helm template failed: ${detail}`, {
              cause: err,
            }),
          );
        },
      );
    });
  }
}
