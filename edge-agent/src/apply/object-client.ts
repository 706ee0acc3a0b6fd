import {
  ApiException,
  HttpMethod,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  Watch,
} from "@kubernetes/client-node";
import type { KindQuery, VersionedList, WatchEventType } from "./kind-watch.js";
import { fieldManager, type KubeObject } from "./release-labels.js";
import { SharedAgents } from "./shared-agent.js";

/** Where an object lives: enough to read, apply or delete it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

/** What discovery says about a kind. */
export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

/** A served kind, from discovery, for scans over every kind. */
export interface ServedKind extends ResourceInfo {
  readonly apiVersion: string;
  readonly kind: string;
}

/** A Kubernetes API error with its HTTP code and the Status object's parts. */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly causes: readonly { reason?: string; message?: string; field?: string }[];
  constructor(code: number, status: Record<string, unknown> | undefined, what: string) {
    const message = typeof status?.message === "string" ? status.message : `HTTP ${code}`;
    super(`${what}: ${message}`);
    this.name = "KubeApiError";
    this.code = code;
    this.reason = typeof status?.reason === "string" ? status.reason : "";
    const details = status?.details as { causes?: KubeApiError["causes"] } | undefined;
    this.causes = Array.isArray(details?.causes) ? details.causes : [];
  }
}

function toKubeError(err: unknown, what: string): unknown {
  // node-fetch's AbortError is not an Error; the request timeout ends requests that way.
  if ((err as { type?: string } | undefined)?.type === "aborted")
    return new Error(`${what}: no answer from the Kubernetes API within the request timeout`, {
      cause: err,
    });
  if (!(err instanceof ApiException)) return err;
  let status: Record<string, unknown> | undefined;
  try {
    status = typeof err.body === "string" ? JSON.parse(err.body) : (err.body as typeof status);
  } catch {
    status = undefined;
  }
  return new KubeApiError(err.code, status, what);
}

const describe = (r: ObjectRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;

/**
 * The apply engine's view of the Kubernetes API, on KubernetesObjectApi
 * (its discovery cache, URL building, auth and TLS), with one change:
 * objects go out and come back as plain JSON. The stock client re-encodes
 * known kinds through its generated models, which drops every field the
 * model lacks, `x-kubernetes-preserve-unknown-fields` in a CRD schema
 * included; server-side apply would then silently not apply them.
 */
export class ObjectClient extends KubernetesObjectApi {
  #watcher: Watch | undefined;
  readonly #agents = new SharedAgents();

  /**
   * Builds a client for the cluster `kc` points at; every request gives up
   * after `requestTimeoutMs`, and requests share kept-alive connections.
   */
  static forConfig(kc: KubeConfig, requestTimeoutMs = 30_000): ObjectClient {
    const client = kc.makeApiClient(ObjectClient);
    client.#watcher = new Watch(kc);
    // A hung API server must not hang a command past its own deadline: bound each request.
    // The request pipeline wants its own Observable (anything with toPromise), as the client's wrapper makes.
    const settled = <T>(value: T) => {
      const promise = Promise.resolve(value);
      return { promise, toPromise: () => promise, pipe: () => settled(value) };
    };
    const timeout = {
      pre: (ctx: RequestContext) => {
        if (!ctx.getSignal()) ctx.setSignal(AbortSignal.timeout(requestTimeoutMs));
        const agent = ctx.getAgent();
        if (agent) ctx.setAgent(client.#agents.for(agent));
        return settled(ctx);
      },
      post: (response: ResponseContext) => settled(response),
    };
    client.configuration.middleware.push(
      timeout as unknown as (typeof client.configuration.middleware)[number],
    );
    return client;
  }

  /** Kind metadata from discovery (cached), or undefined when the API server does not serve it. */
  async resourceInfo(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    try {
      const r = await this.resource(apiVersion, kind);
      return r ? { plural: r.name, namespaced: r.namespaced, verbs: r.verbs } : undefined;
    } catch (err) {
      const e = toKubeError(err, `discovery of ${apiVersion}`);
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Forgets cached discovery, e.g. after CRDs were established. */
  forgetDiscovery(): void {
    this.apiVersionResourceCache = {};
  }

  /** Every kind the server serves (preferred versions) that can be listed and deleted. */
  async servedKinds(): Promise<ServedKind[]> {
    const versions: string[] = ["v1"];
    const groups = (await this.#send(HttpMethod.GET, "/apis", {}, undefined, "discovery")) as {
      groups?: { preferredVersion?: { groupVersion?: string } }[];
    };
    for (const g of groups.groups ?? []) {
      if (g.preferredVersion?.groupVersion) versions.push(g.preferredVersion.groupVersion);
    }
    const out: ServedKind[] = [];
    for (const apiVersion of versions) {
      const path = apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
      let list: {
        resources?: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
      };
      try {
        list = (await this.#send(HttpMethod.GET, path, {}, undefined, "discovery")) as typeof list;
      } catch (err) {
        // An aggregated API that is down (say metrics-server) must not stop a delete.
        if (err instanceof KubeApiError && err.code >= 500) continue;
        throw err;
      }
      for (const r of list.resources ?? []) {
        if (r.name.includes("/") || !r.verbs.includes("list") || !r.verbs.includes("delete"))
          continue;
        out.push({
          apiVersion,
          kind: r.kind,
          plural: r.name,
          namespaced: r.namespaced,
          verbs: r.verbs,
        });
      }
    }
    return out;
  }

  /** Reads an object; undefined when it does not exist. */
  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return (await this.read(header(ref))) as unknown as KubeObject;
    } catch (err) {
      const e = toKubeError(err, `get ${describe(ref)}`);
      if (e instanceof KubeApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  /** Lists one kind by label selector, across all namespaces when `namespace` is undefined. */
  async listSelected(
    apiVersion: string,
    kind: string,
    selector: string,
    namespace?: string,
  ): Promise<KubeObject[]> {
    return (await this.listAt({ apiVersion, kind, selector, namespace })).items;
  }

  /** Lists like {@link listSelected}, with the resourceVersion to watch from. */
  async listAt(query: KindQuery): Promise<VersionedList> {
    const { apiVersion, kind, selector, namespace } = query;
    // A kind no longer served (its CRD deleted) lists as the API server would answer: 404.
    if (!(await this.resourceInfo(apiVersion, kind)))
      throw new KubeApiError(
        404,
        { reason: "NotFound", message: `${apiVersion} ${kind} is not served` },
        `list ${kind}`,
      );
    const items: KubeObject[] = [];
    let token: string | undefined;
    // The pages of one list share the first page's snapshot: its version is the list's.
    let resourceVersion: string | undefined;
    do {
      try {
        const page = (await this.list(
          apiVersion,
          kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          selector,
          500,
          token,
        )) as unknown as {
          items: KubeObject[];
          metadata?: { continue?: string; resourceVersion?: string };
        };
        items.push(...page.items.map((o) => ({ ...o, apiVersion, kind })));
        resourceVersion ??= page.metadata?.resourceVersion;
        token = page.metadata?.continue || undefined;
      } catch (err) {
        throw toKubeError(err, `list ${kind}`);
      }
    } while (token);
    return { items, resourceVersion: resourceVersion ?? "" };
  }

  /** Watches one kind by label selector from `resourceVersion` (see WatchReader). */
  async watch(
    query: KindQuery,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
    onEnd: (err?: Error) => void,
  ): Promise<() => void> {
    if (!this.#watcher) throw new Error("watch: this client was not built by forConfig");
    const path = await this.specUriPath(
      {
        apiVersion: query.apiVersion,
        kind: query.kind,
        metadata: query.namespace ? { namespace: query.namespace } : {},
      },
      "list",
    );
    const controller = await this.#watcher.watch(
      path,
      {
        labelSelector: query.selector,
        resourceVersion,
        allowWatchBookmarks: true,
        // The server ends it after this; the waiter then lists and watches again.
        timeoutSeconds: 300,
      },
      (type: string, object: KubeObject) => onEvent(type as WatchEventType, object),
      (err: unknown) => onEnd(err ? (err as Error) : undefined),
    );
    return () => controller.abort();
  }

  /** Server-side apply as field manager `smart-orchestrator`; the object is sent exactly as given. */
  async apply(obj: KubeObject, force: boolean): Promise<KubeObject> {
    const path = await this.specUriPath(
      { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...obj.metadata } },
      "patch",
    );
    const query: Record<string, string> = { fieldManager, ...(force ? { force: "true" } : {}) };
    return (await this.#send(
      HttpMethod.PATCH,
      path,
      query,
      JSON.stringify(obj),
      `apply ${describe(refOf(obj))}`,
      PatchStrategy.ServerSideApply,
    )) as KubeObject;
  }

  /** Creates an object (used for the release namespace); throws KubeApiError 409 when it exists. */
  async createRaw(obj: KubeObject): Promise<KubeObject> {
    const path = await this.specUriPath(
      { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { ...obj.metadata } },
      "create",
    );
    return (await this.#send(
      HttpMethod.POST,
      path,
      { fieldManager },
      JSON.stringify(obj),
      `create ${describe(refOf(obj))}`,
    )) as KubeObject;
  }

  /** Deletes with background propagation; false when it was already gone. */
  async remove(ref: ObjectRef): Promise<boolean> {
    try {
      await this.delete(header(ref), undefined, undefined, undefined, undefined, "Background");
      return true;
    } catch (err) {
      const e = toKubeError(err, `delete ${describe(ref)}`);
      if (e instanceof KubeApiError && e.code === 404) return false;
      throw e;
    }
  }

  // Plain JSON back for every call, including the inherited read/list/delete.
  protected override async processResponse<T>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299)
      return (text ? JSON.parse(text) : {}) as T;
    throw new ApiException(
      response.httpStatusCode,
      "Unsuccessful HTTP Request",
      text,
      response.headers,
    );
  }

  async #send(
    method: HttpMethod,
    path: string,
    query: Record<string, string>,
    body: string | undefined,
    what: string,
    contentType = "application/json",
  ): Promise<unknown> {
    const ctx: RequestContext = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam("Accept", "application/json");
    for (const [k, v] of Object.entries(query)) ctx.setQueryParam(k, v);
    if (body !== undefined) {
      ctx.setHeaderParam("Content-Type", contentType);
      ctx.setBody(body);
    }
    try {
      return await this.requestPromise(ctx);
    } catch (err) {
      throw toKubeError(err, what);
    }
  }
}

/** The reference of an object. */
export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
  };
}

/** The API group of an apiVersion ("" for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function header(ref: ObjectRef) {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}
