import { randomUUID } from "node:crypto";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { toLatestFiguresView } from "../history/history-schemas.js";
import type { LatestFigures } from "../history/usage-buckets.js";
import type { SecretBox } from "../security/secret-box.js";
import { hashSecret } from "../security/tokens.js";
import type { NewDoc } from "../store/store.js";
import type { ClusterDoc } from "./cluster-doc.js";
import { type Page, type PageRequest, pageByName } from "./cluster-page.js";
import type { ClusterRecords } from "./cluster-records.js";
import type { ClusterView, CreateClusterInput } from "./cluster-schemas.js";
import { type JoinEndpoint, joinCommand } from "./join-command.js";
import { defaultJoinTokenTtlMs, newJoinToken } from "./join-token.js";
import { kubeconfigServerIssues } from "./kubeconfig-schema.js";

/** What {@link ClusterService} is built from. */
export interface ClusterServiceDeps {
  readonly clusters: ClusterRecords;
  /** The enablers on a cluster (the enablers module implements it). */
  readonly enablers: ClusterEnablers;
  readonly secrets: SecretBox;
  readonly endpoint: JoinEndpoint;
  readonly now: () => Date;
  readonly joinTokenTtlMs?: number;
  /** Accept `http://` servers in registered kubeconfigs (`SO_ALLOW_HTTP_CLUSTERS`). */
  readonly allowHttpClusters?: boolean;
  /** Live figures kept in memory by the hub, merged into views. */
  readonly live?: (clusterId: string) => {
    connected: boolean;
    lastReportAt: string | undefined;
    /** Newest free CPU, free memory and receive traffic, from the usage history. */
    latest?: LatestFigures | undefined;
    /** The agent's host figures from the newest report (systeminformation). */
    host?: Record<string, unknown> | undefined;
  };
  /** Called after a cluster is created, e.g. to start its managed agent. */
  readonly onCreated?: (cluster: { id: string; hasCredentials: boolean }) => void;
  /** Called after a cluster is deleted, to drop its session and figures. */
  readonly onDeleted?: (clusterId: string) => void;
}

/** What deleting a cluster needs from the enablers. */
export interface ClusterEnablers {
  countFor(clusterId: string): Promise<number>;
  /** Drops the cluster's enabler records and every command still queued for it. */
  removeForCluster(clusterId: string): Promise<number>;
}

/** A join token as handed to the operator, once. */
export interface IssuedJoin {
  readonly token: string;
  readonly expiresAt: string;
  readonly command: string;
}

/** Options for {@link ClusterService.delete}. */
export interface DeleteClusterOptions {
  /** Delete even with enablers on it; their records go, the workloads stay (orphaned). */
  readonly force: boolean;
}

/** The AAD context a cluster's sealed credentials are bound to. */
export function credentialsContext(clusterId: string): string {
  return `cluster:${clusterId}:credentials`;
}

/**
 * Cluster registration and lifecycle. Each change is one document write, so
 * a failed request leaves nothing behind.
 */
export class ClusterService {
  readonly #d: ClusterServiceDeps;

  constructor(deps: ClusterServiceDeps) {
    this.#d = deps;
  }

  /** Registers a cluster and issues its first join token. */
  async create(input: CreateClusterInput): Promise<{ uid: string; join: IssuedJoin }> {
    if (input.credentials) {
      const fields = kubeconfigServerIssues(input.credentials, !!this.#d.allowHttpClusters);
      if (fields[0]) {
        throw new AppError(
          ErrorCode.InvalidArgument,
          `body: ${fields[0].field}: ${fields[0].reason}`,
          {
            fields,
          },
        );
      }
    }
    const id = randomUUID();
    const now = this.#d.now().toISOString();
    const issued = this.#issue();
    const doc: NewDoc<ClusterDoc> = {
      _id: id,
      name: input.name,
      description: input.description,
      cloud: input.cloud,
      ...(input.cloud ? { cloudMarker: "cloud" as const } : {}),
      cni: input.cni,
      status: "Pending",
      ...(input.credentials
        ? { credentials: this.#d.secrets.seal(input.credentials, credentialsContext(id)) }
        : {}),
      ...issued.fields,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.#d.clusters.register(doc);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.AlreadyExists) {
        throw this.#explainDuplicate(err, input);
      }
      throw err;
    }
    this.#d.onCreated?.({ id, hasCredentials: !!input.credentials });
    return { uid: id, join: issued.join };
  }

  /** Every cluster, by name. */
  async list(): Promise<ClusterView[]> {
    return (await this.#d.clusters.list()).map((c) => this.#view(c));
  }

  /**
   * A page of clusters by name, from a `continue` token on. The records are
   * read whole and cut here (a few hundred bytes each; 2,000 read in one
   * query); only the page is turned into views and sent.
   */
  async listPage(request: PageRequest): Promise<Page<ClusterView>> {
    const page = pageByName(await this.#d.clusters.list(), request);
    return { ...page, items: page.items.map((c) => this.#view(c)) };
  }

  /** One cluster; `not_found` when unknown. */
  async get(id: string): Promise<ClusterView> {
    return this.#view(await this.#require(id));
  }

  /** The cloud cluster; `not_found` when there is none. */
  async findCloud(): Promise<ClusterView> {
    const cloud = await this.#d.clusters.findCloud();
    if (!cloud) throw new AppError(ErrorCode.NotFound, "no cloud cluster is registered");
    return this.#view(cloud);
  }

  /** Replaces the cluster's join token with a fresh one. */
  async issueToken(id: string): Promise<IssuedJoin> {
    await this.#require(id);
    const issued = this.#issue();
    if (!(await this.#d.clusters.replaceJoinToken(id, issued.fields, this.#d.now()))) {
      throw new AppError(ErrorCode.NotFound, `cluster ${id} not found`);
    }
    return issued.join;
  }

  /**
   * Deletes a cluster. The cloud cluster goes last; a cluster with enablers
   * goes only with `force`, and then only their records are removed.
   */
  async delete(id: string, options: DeleteClusterOptions): Promise<void> {
    const cluster = await this.#require(id);
    if (cluster.cloud) {
      const edges = (await this.#d.clusters.count()) - 1;
      if (edges > 0) {
        throw new AppError(
          ErrorCode.FailedPrecondition,
          `the cloud cluster cannot be deleted while ${edges} edge cluster(s) exist`,
        );
      }
    }
    const enablers = await this.#d.enablers.countFor(id);
    if (enablers > 0 && !options.force) {
      throw new AppError(
        ErrorCode.FailedPrecondition,
        `cluster has ${enablers} enabler(s); delete them first or send "Force: true" to orphan them`,
      );
    }
    // Queued commands go even without enablers: a forced delete's tombstone may hold one.
    await this.#d.enablers.removeForCluster(id);
    await this.#d.clusters.remove(id);
    this.#d.onDeleted?.(id);
  }

  #view(doc: ClusterDoc): ClusterView {
    const view = toClusterView(doc);
    const live = this.#d.live?.(doc._id);
    if (!live?.lastReportAt) return view;
    return {
      ...view,
      lastReportAt: live.lastReportAt,
      ...(live.latest ? { latest: toLatestFiguresView(live.latest) } : {}),
      ...(live.host ? { host: live.host } : {}),
    };
  }

  async #require(id: string): Promise<ClusterDoc> {
    const doc = await this.#d.clusters.get(id);
    if (!doc) throw new AppError(ErrorCode.NotFound, `cluster ${id} not found`);
    return doc;
  }

  #issue() {
    const token = newJoinToken();
    const expiresAt = new Date(
      this.#d.now().getTime() + (this.#d.joinTokenTtlMs ?? defaultJoinTokenTtlMs),
    ).toISOString();
    return {
      join: { token: token.token, expiresAt, command: joinCommand(this.#d.endpoint, token.token) },
      fields: {
        joinTokenId: token.id,
        joinTokenHash: hashSecret(token.secret),
        joinTokenExpiresAt: expiresAt,
      },
    };
  }

  #explainDuplicate(err: AppError, input: CreateClusterInput): AppError {
    if (input.cloud && /cloudMarker/.test(err.message)) {
      return new AppError(
        ErrorCode.AlreadyExists,
        "a cloud cluster already exists; there can be only one",
        {
          fields: [{ field: "cloud", reason: "a cloud cluster already exists" }],
          cause: err,
        },
      );
    }
    if (/name/.test(err.message)) {
      return new AppError(
        ErrorCode.AlreadyExists,
        `a cluster named "${input.name}" already exists`,
        {
          fields: [{ field: "name", reason: "already in use" }],
          cause: err,
        },
      );
    }
    return err;
  }
}

/** Maps a stored cluster to what GETs return: no credentials, no hashes. */
export function toClusterView(doc: ClusterDoc): ClusterView {
  return {
    uid: doc._id,
    _id: doc._id,
    name: doc.name,
    description: doc.description,
    cloud: doc.cloud,
    cni: doc.cni,
    status: doc.status,
    ...(doc.statusReason ? { statusReason: doc.statusReason } : {}),
    mode: doc.credentials ? "credentials" : "agent",
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    ...(doc.lastSeenAt ? { lastSeenAt: doc.lastSeenAt } : {}),
    ...(doc.lastReportAt ? { lastReportAt: doc.lastReportAt } : {}),
    ...(doc.agentVersion ? { agentVersion: doc.agentVersion } : {}),
    ...(doc.kubernetesVersion ? { kubernetesVersion: doc.kubernetesVersion } : {}),
    ...(doc.distribution ? { distribution: doc.distribution } : {}),
    ...(doc.architectures ? { architectures: [...doc.architectures] } : {}),
    ...(doc.joinTokenExpiresAt && !doc.credentialUsedAt
      ? { joinTokenExpiresAt: doc.joinTokenExpiresAt }
      : {}),
  };
}
