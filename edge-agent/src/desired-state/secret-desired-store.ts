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

  constructor(api: SecretApi, namespace: string, chunkBytes = defaultChunkBytes) {
    this.#api = api;
    this.#namespace = namespace;
    this.#chunkBytes = chunkBytes;
    this.location = `secrets ${namespace}/so-desired-*`;
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
    try {
      await this.#api.createNamespacedSecret({ namespace: this.#namespace, body });
    } catch (err) {
      // In a pod the namespace is the agent's own; an agent run from outside may find none yet.
      if (statusOf(err) === 404) {
        await this.#api
          .createNamespace({ body: { metadata: { name: this.#namespace } } })
          .catch((e: unknown) => {
            if (statusOf(e) !== 409) throw e;
          });
        await this.#api.createNamespacedSecret({ namespace: this.#namespace, body });
        return;
      }
      if (statusOf(err) !== 409) throw err;
      await this.#api.replaceNamespacedSecret({
        name: body.metadata?.name as string,
        namespace: this.#namespace,
        body,
      });
    }
  }

  async #list(labelSelector: string): Promise<V1Secret[]> {
    const out: V1Secret[] = [];
    let token: string | undefined;
    do {
      const page = await this.#api.listNamespacedSecret({
        namespace: this.#namespace,
        labelSelector,
        limit: 500,
        ...(token ? { _continue: token } : {}),
      });
      out.push(...page.items);
      token = page.metadata?._continue || undefined;
    } while (token);
    return out;
  }

  async #delete(s: V1Secret): Promise<void> {
    try {
      await this.#api.deleteNamespacedSecret({
        name: s.metadata?.name as string,
        namespace: this.#namespace,
      });
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
