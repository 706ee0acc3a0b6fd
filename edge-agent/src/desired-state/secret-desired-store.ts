import { createHash } from "node:crypto";
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import {
  type DesiredRelease,
  type DesiredStateStore,
  decodeDesired,
  enablerKey,
  encodeDesired,
} from "./desired-release.js";

/** The Secret calls the store makes; CoreV1Api provides them. */
export type SecretApi = Pick<
  CoreV1Api,
  | "createNamespacedSecret"
  | "replaceNamespacedSecret"
  | "listNamespacedSecret"
  | "deleteNamespacedSecret"
  | "createNamespace"
>;

/** Labels on every desired-state Secret, so they can be listed and told apart. */
export const desiredLabels = {
  part: "smart-orchestrator.io/part",
  of: "smart-orchestrator.io/desired-of",
  enablerId: "smart-orchestrator.io/enabler-id",
  revision: "smart-orchestrator.io/revision",
  chunk: "smart-orchestrator.io/chunk",
  chunks: "smart-orchestrator.io/chunks",
  digest: "smart-orchestrator.io/digest",
  clusterId: "smart-orchestrator.io/cluster-id",
} as const;

/**
 * Secret data stays well under the API server's 1 MiB limit on one object
 * (the limit counts the raw bytes; the request carries them in base64).
 */
export const defaultChunkBytes = 512 * 1024;

/** The name of chunk `index` of an enabler's revision: `so-desired-<key>-<revision>-<index>`. */
export function chunkName(enablerId: string, revision: number, index: number): string {
  return `so-desired-${enablerKey(enablerId)}-${revision}-${index}`;
}

/** Options for {@link SecretDesiredStore}. */
export interface SecretDesiredStoreOptions {
  /** Largest data of one Secret (default {@link defaultChunkBytes}; tests make it small). */
  readonly chunkBytes?: number;
  /**
   * Set for an agent the control plane runs (a credential cluster): its
   * Secrets carry the cluster id and it reads only those, so the agents of two
   * registrations of one cluster (two control planes, or one beside an
   * installed agent) never take each other's releases for their own. An agent
   * without it skips Secrets that carry a cluster id.
   */
  readonly clusterId?: string;
}

/**
 * Cluster mode: each release's desired state, gzipped, split into Secrets in
 * the agent's namespace. A save writes the new chunks first and only then
 * deletes the old ones, so a crash in between leaves a complete older or
 * newer state; a load takes the newest revision whose chunks are all there
 * with the same digest.
 */
export class SecretDesiredStore implements DesiredStateStore {
  readonly location: string;
  readonly #api: SecretApi;
  readonly #namespace: string;
  readonly #chunkBytes: number;
  readonly #clusterId: string | undefined;

  constructor(api: SecretApi, namespace: string, options: SecretDesiredStoreOptions = {}) {
    this.#api = api;
    this.#namespace = namespace;
    this.#chunkBytes = options.chunkBytes ?? defaultChunkBytes;
    this.#clusterId = options.clusterId;
    this.location = `secrets ${namespace}/so-desired-*${
      options.clusterId ? ` of cluster ${options.clusterId}` : ""
    }`;
  }

  async save(release: DesiredRelease): Promise<void> {
    const payload = encodeDesired(release);
    const digest = createHash("sha256").update(payload).digest("hex").slice(0, 16);
    const count = Math.max(1, Math.ceil(payload.length / this.#chunkBytes));
    const key = enablerKey(release.enablerId);
    for (let i = 0; i < count; i++) {
      const body: V1Secret = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: chunkName(release.enablerId, release.revision, i),
          namespace: this.#namespace,
          labels: {
            "app.kubernetes.io/managed-by": "smart-orchestrator",
            [desiredLabels.part]: "desired-state",
            [desiredLabels.of]: key,
            [desiredLabels.enablerId]: release.enablerId,
            [desiredLabels.revision]: String(release.revision),
            [desiredLabels.chunk]: String(i),
            [desiredLabels.chunks]: String(count),
            [desiredLabels.digest]: digest,
            ...(this.#clusterId ? { [desiredLabels.clusterId]: this.#clusterId } : {}),
          },
        },
        type: "Opaque",
        data: {
          part: payload
            .subarray(i * this.#chunkBytes, (i + 1) * this.#chunkBytes)
            .toString("base64"),
        },
      };
      await this.#put(body);
    }
    // Only now the old revision's chunks (and extra chunks of an earlier write of this one) go.
    for (const s of await this.#list(`${desiredLabels.of}=${key}`)) {
      const l = s.metadata?.labels ?? {};
      const current =
        l[desiredLabels.revision] === String(release.revision) &&
        l[desiredLabels.digest] === digest;
      if (!current) await this.#delete(s);
    }
  }

  async remove(enablerId: string): Promise<void> {
    for (const s of await this.#list(`${desiredLabels.of}=${enablerKey(enablerId)}`))
      await this.#delete(s);
  }

  /**
   * Deletes every desired-state Secret this store can see (with a cluster id,
   * only that cluster's): for a cluster that was deleted. Returns how many went.
   */
  async removeAll(): Promise<number> {
    const all = await this.#list(`${desiredLabels.part}=desired-state`);
    for (const s of all) await this.#delete(s);
    return all.length;
  }

  async loadAll(): Promise<{ releases: DesiredRelease[]; damaged: string[] }> {
    const groups = new Map<string, Map<string, V1Secret[]>>();
    for (const s of await this.#list(`${desiredLabels.part}=desired-state`)) {
      const l = s.metadata?.labels ?? {};
      const of = l[desiredLabels.of] ?? "";
      const version = `${l[desiredLabels.revision]}/${l[desiredLabels.digest]}`;
      const byVersion = groups.get(of) ?? new Map<string, V1Secret[]>();
      byVersion.set(version, [...(byVersion.get(version) ?? []), s]);
      groups.set(of, byVersion);
    }
    const releases: DesiredRelease[] = [];
    const damaged: string[] = [];
    for (const [of, byVersion] of groups) {
      const complete = [...byVersion.values()]
        .filter((chunks) => {
          const want = Number(chunks[0]?.metadata?.labels?.[desiredLabels.chunks]);
          const have = new Set(chunks.map((c) => c.metadata?.labels?.[desiredLabels.chunk]));
          return (
            Number.isSafeInteger(want) &&
            want > 0 &&
            [...Array(want).keys()].every((i) => have.has(String(i)))
          );
        })
        .sort((a, b) => revisionOf(b) - revisionOf(a));
      const best = complete[0];
      if (!best) {
        damaged.push(`${this.#namespace}/so-desired-${of}-*: no complete set of chunks`);
        continue;
      }
      const ordered = [...best].sort((a, b) => chunkOf(a) - chunkOf(b));
      const want = Number(ordered[0]?.metadata?.labels?.[desiredLabels.chunks]);
      const parts = ordered
        .filter(
          (c, i, all) =>
            chunkOf(c) < want && (i === 0 || chunkOf(all[i - 1] as V1Secret) !== chunkOf(c)),
        )
        .map((c) => Buffer.from(c.data?.part ?? "", "base64"));
      try {
        releases.push(decodeDesired(Buffer.concat(parts)));
      } catch (err) {
        damaged.push(`${this.#namespace}/so-desired-${of}-*: ${(err as Error).message}`);
      }
    }
    return { releases, damaged };
  }

  async #put(body: V1Secret): Promise<void> {
    const namespace = this.#namespace;
    const name = body.metadata?.name as string;
    try {
      await this.#call("create", () => this.#api.createNamespacedSecret({ namespace, body }));
    } catch (err) {
      // In a pod the namespace is the agent's own; an agent run from outside may find none yet.
      if (statusOf(err) === 404) {
        await this.#call("create the namespace for", () =>
          this.#api.createNamespace({ body: { metadata: { name: namespace } } }),
        ).catch((e: unknown) => {
          if (statusOf(e) !== 409) throw e;
        });
        await this.#call("create", () => this.#api.createNamespacedSecret({ namespace, body }));
        return;
      }
      if (statusOf(err) !== 409) throw err;
      await this.#call("update", () =>
        this.#api.replaceNamespacedSecret({ name, namespace, body }),
      );
    }
  }

  /**
   * Runs one API call; a 403 becomes an error that says what was refused and
   * what to grant (client-node's own text is the raw response), keeping the
   * status code and the original as `cause`.
   */
  async #call<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (statusOf(err) !== 403) throw err;
      const ns = this.#namespace;
      throw Object.assign(
        new Error(
          `forbidden to ${action} Secrets in namespace ${ns}: the agent's Kubernetes user needs get, list, create, update and delete on secrets in ${ns}, and create on namespaces while ${ns} does not exist`,
          { cause: err },
        ),
        { code: 403 },
      );
    }
  }

  /** This store's Secrets that match `labelSelector`: only its own cluster's, when it has one. */
  async #list(labelSelector: string): Promise<V1Secret[]> {
    const out: V1Secret[] = [];
    const selector = this.#clusterId
      ? `${labelSelector},${desiredLabels.clusterId}=${this.#clusterId}`
      : labelSelector;
    let token: string | undefined;
    do {
      const from = token;
      const page = await this.#call("list", () =>
        this.#api.listNamespacedSecret({
          namespace: this.#namespace,
          labelSelector: selector,
          limit: 500,
          ...(from ? { _continue: from } : {}),
        }),
      );
      // Checked here too: a server that ignores part of a selector must not hand over another's state.
      out.push(
        ...page.items.filter(
          (s) => s.metadata?.labels?.[desiredLabels.clusterId] === this.#clusterId,
        ),
      );
      token = page.metadata?._continue || undefined;
    } while (token);
    return out;
  }

  async #delete(s: V1Secret): Promise<void> {
    try {
      await this.#call("delete", () =>
        this.#api.deleteNamespacedSecret({
          name: s.metadata?.name as string,
          namespace: this.#namespace,
        }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }
}

const revisionOf = (chunks: V1Secret[]) =>
  Number(chunks[0]?.metadata?.labels?.[desiredLabels.revision] ?? 0);
const chunkOf = (s: V1Secret) => Number(s.metadata?.labels?.[desiredLabels.chunk] ?? -1);

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}
