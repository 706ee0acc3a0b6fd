/**
 * The Kubernetes API simulator: one node:http server on 127.0.0.1 that the
 * real `@kubernetes/client-node` (and kubectl) can talk to, backed by an
 * in-memory store, with simulated controllers, metrics-server and kubelets.
 * A test double with a faithful wire format, not a Kubernetes.
 *
 * Routes:
 *   /version, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>   discovery
 *   /api/v1/..., /apis/<g>/<v>/...                              resources (CRUD, patch, watch)
 *   /apis/metrics.k8s.io/v1beta1/{nodes,pods,namespaces/<ns>/pods}
 *   /api/v1/nodes/<node>/proxy/stats/summary                   kubelet summary via the API server (nodes/proxy)
 *   /kubelet/<node>/stats/summary                              the node's kubelet itself (nodes/stats)
 *   /healthz, /readyz, /livez
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadYaml } from "@kubernetes/client-node";
import { reviewAccess } from "./access-review.js";
import {
  aggregatedDiscovery,
  aggregatedMediaType,
  wantsAggregated,
} from "./aggregated-discovery.js";
import { ApiStatusError, toApiStatus } from "./api-status.js";
import { seedCluster } from "./cluster-bootstrap.js";
import type { ClusterSpec, ClusterSpecInput, Taint } from "./cluster-spec.js";
import { parseClusterSpec, resolveClusterSpec } from "./cluster-spec.js";
import { CrdController } from "./crd-controller.js";
import { apiGroup, coreVersions, groupList, resourceList, versionInfo } from "./discovery.js";
import { EndpointsController } from "./endpoints-controller.js";
import { GarbageCollector } from "./garbage-collector.js";
import { isObject, type KubeObject, timestamp } from "./kube-object.js";
import { kubeletSummary } from "./kubelet-summary.js";
import type { FiguresContext } from "./live-figures.js";
import { hasMetrics, nodeMetrics, podMetrics } from "./metrics-api.js";
import { buildNode, nodeConditions, nodeName } from "./node-factory.js";
import { ObjectStore } from "./object-store.js";
import { OpenApiRoutes } from "./openapi-routes.js";
import { decodeProtobufBody, isProtobuf } from "./protobuf-body.js";
import { apiVersionOf, type ResourceType, typeOfKind } from "./resource-registry.js";
import {
  createObject,
  deleteCollection,
  deleteObject,
  getObject,
  type HandlerContext,
  listObjects,
  patchObject,
  type Reply,
  type ResourceRequest,
  updateObject,
} from "./rest-handlers.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { ServedKinds } from "./served-kinds.js";
import { includeObjectOf, tableVersion, toTable } from "./table-view.js";
import { type ActiveWatch, startWatch } from "./watch-stream.js";
import { WorkloadController } from "./workload-controller.js";

/** Options for {@link startSimulator}. */
export interface SimulatorOptions {
  /** The cluster: a spec, its input form, or a `--cluster` spec string. Default: one k3s amd64 node. */
  readonly cluster?: ClusterSpec | ClusterSpecInput | string;
  /** Wall clock in ms (default Date.now); {@link SimulatorHandle.advanceTime} adds to it. */
  readonly clock?: () => number;
  /**
   * Resources that answer 403 Forbidden, as if RBAC denied them: an API
   * group ("metrics.k8s.io"), a core resource ("pods"), a subresource
   * ("nodes/proxy"), the kubelet's "nodes/stats", or "<plural>.<group>".
   */
  readonly forbid?: readonly string[];
  /** Whether metrics-server is installed (default true); without it metrics.k8s.io is 404 and not discovered. */
  readonly metricsServer?: boolean;
  /** Delay before controllers act on a change, in ms (default 50). */
  readonly readyDelayMs?: number;
  /**
   * Time a new CRD spends `Established=False` (reason `Installing`) before
   * its kind is served (default 0: the next turn of the event loop).
   */
  readonly establishDelayMs?: number;
  /** Change events kept for watches to resume from (default 1000). */
  readonly watchHistory?: number;
  /** BOOKMARK interval for watches that allow them, in ms (default 60 000, as the real server). */
  readonly bookmarkIntervalMs?: number;
  /** Port to listen on, on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
  /**
   * Serves `pods/log` (`kubectl logs`): the output of a pod's process when a
   * pod runner started one (see `--run-image`); empty for every other pod.
   */
  readonly podLogs?: (namespace: string, name: string, tailLines?: number) => string | undefined;
}

/** Options for {@link SimulatorHandle.addNode}. */
export interface AddNodeOptions {
  readonly name?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  readonly ready?: boolean;
}

/** A running simulator and the knobs tests and benchmarks turn. */
export interface SimulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly spec: ClusterSpec;
  /** The simulated time now (clock + advances), ms. */
  now(): number;
  /** Moves simulated time forward; usage figures and counters follow. */
  advanceTime(ms: number): void;
  /** Adds a Ready node shaped like the others (or as given); returns its name. */
  addNode(options?: AddNodeOptions): string;
  /** Deletes a node and the pods bound to it; controllers reschedule what they own. */
  removeNode(name: string): void;
  /** Flips a node's Ready condition, as a kubelet going silent would. */
  setNodeReady(name: string, ready: boolean): void;
  /** Replaces the forbidden list (see {@link SimulatorOptions.forbid}). */
  setForbidden(forbid: readonly string[]): void;
  /** The kubelet endpoint standing in for https://<node InternalIP>:10250 (append /stats/summary). */
  kubeletUrl(node: string): string;
  /** Drops the watch history, so any watch resuming from before now gets 410 Expired. */
  compactWatchHistory(): void;
  /** A stored object by kind ("Pod", "Deployment", or an established CRD's kind), for assertions. */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Stored objects of a kind, optionally in one namespace. */
  list(kind: string, namespace?: string): KubeObject[];
  /** The latest resourceVersion. */
  resourceVersion(): number;
  /** Calls `listener` after every stored change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** Ends every watch and stops the server. */
  close(): Promise<void>;
}

const maxBodyBytes = 3 * 1024 * 1024;

/** 31 for "v1.31.4+k3s1". */
function minorVersion(gitVersion: string): number {
  return Number(/^v\d+\.(\d+)/.exec(gitVersion)?.[1] ?? 0);
}
const serviceAccountUser = "system:serviceaccount:smart-orchestrator:edge-agent";

function resolveSpec(cluster: SimulatorOptions["cluster"]): ClusterSpec {
  if (cluster === undefined) return resolveClusterSpec({ name: "sim" });
  if (typeof cluster === "string") return parseClusterSpec(cluster);
  return resolveClusterSpec(cluster);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(
          new ApiStatusError("RequestEntityTooLarge", "Request entity too large: limit is 3145728"),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseBody(raw: Buffer, contentType: string): unknown {
  // client-go typed clients (kubectl auth can-i, Helm's release Secrets) send protobuf.
  if (isProtobuf(contentType)) return decodeProtobufBody(raw);
  if (contentType.includes("cbor")) {
    throw new ApiStatusError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    );
  }
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    // Apply patches may be YAML (kubectl sends YAML); client-node sends JSON.
    if (contentType.startsWith("application/apply-patch+yaml") || contentType.includes("yaml")) {
      try {
        return loadYaml(text);
      } catch (yamlErr) {
        throw new ApiStatusError(
          "BadRequest",
          `error decoding YAML: ${(yamlErr as Error).message}`,
        );
      }
    }
    throw new ApiStatusError(
      "BadRequest",
      `the body of the request could not be decoded as JSON: ${(err as Error).message}`,
    );
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  warnings: readonly string[] = [],
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    // RFC 7234 warn-code 299, agent "-", as the API server sends them.
    ...(warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {}),
  });
  res.end(text);
}

/** Starts a simulated cluster's API server on 127.0.0.1. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const spec = resolveSpec(options.cluster);
  const clock = options.clock ?? Date.now;
  let offset = 0;
  const now = () => clock() + offset;
  const startedAt = now();
  // Nodes "booted" a while ago, so cumulative counters do not start at zero.
  const bootMs = startedAt - 6 * 3600_000;
  let forbidden = new Set(options.forbid ?? []);
  const metricsServer = options.metricsServer ?? true;
  const hiddenGroups = new Set(metricsServer ? [] : ["metrics.k8s.io"]);
  const store = new ObjectStore({ now, historySize: options.watchHistory ?? 1000 });
  const controller = new WorkloadController({
    store,
    now,
    delayMs: options.readyDelayMs ?? 50,
  });
  seedCluster(store, spec, now(), () => controller.nextPodIp());
  const kinds = new ServedKinds();
  const gc = new GarbageCollector(store, () => kinds.all());
  const crds = new CrdController({
    store,
    kinds,
    now,
    establishDelayMs: options.establishDelayMs ?? 0,
  });
  const endpoints = new EndpointsController(store);
  const ctx: HandlerContext = {
    store,
    now,
    gc,
    kinds,
    serviceIpPrefix: spec.distribution === "k3s" ? "10.43" : "10.96",
  };
  const watches = new Set<ActiveWatch>();
  const nodeType = typeOfKind("Node");
  const podType = typeOfKind("Pod");
  const figures = (): FiguresContext => ({
    seed: spec.seed,
    bootMs,
    now: now(),
    ...(spec.rxBytesPerSecond === undefined ? {} : { rxBytesPerSecond: spec.rxBytesPerSecond }),
  });

  /** The permission rules: the forbid list (every verb on what it names). */
  function isDenied(
    _verb: string,
    group: string,
    plural: string,
    sub: string | undefined,
  ): boolean {
    const resource = sub ? `${plural}/${sub}` : plural;
    return (
      (group !== "" && forbidden.has(group)) ||
      (group === "" && (forbidden.has(plural) || forbidden.has(resource))) ||
      (group !== "" &&
        (forbidden.has(`${plural}.${group}`) || forbidden.has(`${resource}.${group}`)))
    );
  }

  function checkAllowed(
    verb: string,
    group: string,
    plural: string,
    sub: string | undefined,
    name?: string,
    ns?: string,
  ): void {
    const resource = sub ? `${plural}/${sub}` : plural;
    if (!isDenied(verb, group, plural, sub)) return;
    const qualified = group ? `${plural}.${group}` : plural;
    const subject = name ? `${qualified} "${name}" is forbidden` : `${qualified} is forbidden`;
    const scope = ns ? `in the namespace "${ns}"` : "at the cluster scope";
    throw new ApiStatusError(
      "Forbidden",
      `${subject}: User "${serviceAccountUser}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`,
      { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource },
    );
  }

  function summaryFor(node: string): unknown {
    const obj = store.require(nodeType, undefined, node);
    return kubeletSummary(figures(), obj, store.list(podType));
  }

  function metricsRoute(segs: string[], query: URLSearchParams): Reply {
    if (!metricsServer)
      throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    const labels = parseLabelSelector(query.get("labelSelector"));
    const ns = segs[0] === "namespaces" ? segs[1] : undefined;
    const rest = ns ? segs.slice(2) : segs;
    const [plural, name] = rest;
    if (plural !== "nodes" && plural !== "pods") {
      throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    }
    checkAllowed(name ? "get" : "list", "metrics.k8s.io", plural, undefined, name, ns);
    const f = figures();
    const pods = store.list(podType);
    if (plural === "nodes") {
      const nodes = store.list(nodeType);
      if (name) {
        const node = store.get(nodeType, undefined, name);
        if (!node)
          throw new ApiStatusError("NotFound", `nodemetrics.metrics.k8s.io "${name}" not found`, {
            name,
            group: "metrics.k8s.io",
            kind: "nodes",
          });
        return { status: 200, body: nodeMetrics(f, node, pods) };
      }
      return {
        status: 200,
        body: {
          kind: "NodeMetricsList",
          apiVersion: "metrics.k8s.io/v1beta1",
          metadata: {},
          items: nodes.filter(labels).map((n) => nodeMetrics(f, n, pods)),
        },
      };
    }
    const running = pods.filter((p) => hasMetrics(p) && (!ns || p.metadata.namespace === ns));
    if (name) {
      const pod = running.find((p) => p.metadata.name === name);
      if (!pod)
        throw new ApiStatusError("NotFound", `podmetrics.metrics.k8s.io "${name}" not found`, {
          name,
          group: "metrics.k8s.io",
          kind: "pods",
        });
      return { status: 200, body: podMetrics(f, pod) };
    }
    return {
      status: 200,
      body: {
        kind: "PodMetricsList",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: {},
        items: running.filter(labels).map((p) => podMetrics(f, p)),
      },
    };
  }

  async function resourceRoute(
    req: IncomingMessage,
    res: ServerResponse,
    group: string,
    version: string,
    segs: string[],
    query: URLSearchParams,
  ): Promise<Reply | undefined> {
    let namespace: string | undefined;
    let rest = segs;
    if (
      segs[0] === "namespaces" &&
      segs.length >= 3 &&
      kinds.findByPlural(group, version, segs[2]!)?.namespaced
    ) {
      namespace = segs[1];
      rest = segs.slice(2);
    }
    const [plural, name, sub, ...tail] = rest;
    const type: ResourceType | undefined = plural
      ? kinds.findByPlural(group, version, plural)
      : undefined;
    if (!type || type.computed)
      throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    const method = req.method ?? "GET";
    if (type.kind === "Node" && sub === "proxy") {
      checkAllowed("get", "", "nodes", "proxy", name);
      if (tail.join("/") === "stats/summary" && method === "GET")
        return { status: 200, body: summaryFor(name!) };
      store.require(nodeType, undefined, name!);
      throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    }
    if (type.kind === "Pod" && sub === "log" && method === "GET" && tail.length === 0) {
      checkAllowed("get", "", "pods", "log", name, namespace);
      store.require(podType, namespace, name!);
      const tailText = query.get("tailLines");
      const tailLines = tailText && /^\d+$/.test(tailText) ? Number(tailText) : undefined;
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end(options.podLogs?.(namespace ?? "default", name!, tailLines) ?? "");
      return undefined;
    }
    if (sub !== undefined && (sub !== "status" || !type.hasStatus || tail.length > 0)) {
      throw new ApiStatusError("NotFound", "the server could not find the requested resource");
    }
    const watch = query.get("watch") === "true" || query.get("watch") === "1";
    const verb = name
      ? ({ GET: "get", PUT: "update", PATCH: "patch", DELETE: "delete" } as Record<string, string>)[
          method
        ]
      : (
          { GET: watch ? "watch" : "list", POST: "create", DELETE: "deletecollection" } as Record<
            string,
            string
          >
        )[method];
    if (
      !verb ||
      !type.verbs.includes(verb) ||
      (verb === "create" && type.namespaced && !namespace)
    ) {
      throw new ApiStatusError(
        "MethodNotAllowed",
        `the server does not allow this method on the requested resource`,
      );
    }
    checkAllowed(verb, group, type.plural, sub, name, namespace);
    const contentType = req.headers["content-type"] ?? "";
    const body = ["POST", "PUT", "PATCH", "DELETE"].includes(method)
      ? parseBody(await readBody(req), contentType)
      : undefined;
    const agent = req.headers["user-agent"] ?? "unknown";
    const request: ResourceRequest = {
      type,
      query,
      contentType,
      body,
      defaultManager: agent.split("/")[0] || "unknown",
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
      ...(sub === undefined ? {} : { subresource: sub }),
    };
    // kubectl get asks for server-side printed Tables.
    const asTable =
      verb === "get" || verb === "list" || verb === "watch"
        ? tableVersion(req.headers.accept)
        : undefined;
    const includeObject = asTable ? includeObjectOf(query) : "Metadata";
    const tabled = (reply: Reply): Reply => {
      if (!asTable || reply.status !== 200) return reply;
      const body = reply.body as KubeObject & { items?: KubeObject[] };
      const items = verb === "list" ? (body.items ?? []) : [body];
      const listMeta =
        verb === "list" ? body.metadata : { resourceVersion: body.metadata.resourceVersion };
      return {
        status: 200,
        body: toTable(type, items, { version: asTable, includeObject, now: now(), listMeta }),
        ...(reply.warnings ? { warnings: reply.warnings } : {}),
      };
    };
    const selector = () => {
      const labels = parseLabelSelector(query.get("labelSelector"));
      const fields = parseFieldSelector(query.get("fieldSelector"), type);
      return (o: KubeObject) => labels(o) && fields(o);
    };
    // A custom resource is stored once for all its versions: answers show the version asked for.
    // v1.33+ API servers warn on every use of v1 Endpoints (kubectl prints it).
    const deprecation =
      type.kind === "Endpoints" && type.group === "" && minorVersion(spec.version) >= 33
        ? ["v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"]
        : [];
    const atVersion = (reply: Reply): Reply => {
      const body = reply.body;
      const warnings = [...(reply.warnings ?? []), ...deprecation];
      if (!type.schema || !isObject(body) || body.kind !== type.kind) return { ...reply, warnings };
      return { ...reply, warnings, body: { ...body, apiVersion: apiVersionOf(type) } };
    };
    switch (verb) {
      case "get":
        return tabled(atVersion(getObject(ctx, request)));
      case "list":
        return tabled(atVersion(listObjects(ctx, request, selector())));
      case "watch": {
        const timeout = query.get("timeoutSeconds");
        const w = startWatch(
          store,
          {
            type,
            ...(namespace === undefined ? {} : { namespace }),
            matches: selector(),
            ...(query.get("resourceVersion")
              ? { resourceVersion: query.get("resourceVersion")! }
              : {}),
            allowBookmarks: query.get("allowWatchBookmarks") === "true",
            sendInitialEvents: query.get("sendInitialEvents") === "true",
            ...(timeout ? { timeoutSeconds: Number(timeout) } : {}),
            bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
            ...(asTable
              ? {
                  view: (obj: KubeObject, first: boolean) =>
                    toTable(type, [obj], {
                      version: asTable,
                      includeObject,
                      now: now(),
                      noHeaders: !first,
                    }),
                }
              : {}),
          },
          res,
        );
        watches.add(w);
        // A custom resource's watches end when its CRD goes, as the real server ends them.
        if (type.schema) {
          const unsubscribe = kinds.onChange(() => {
            if (kinds.findByPlural(type.group, type.version, type.plural)) return;
            unsubscribe();
            w.stop();
          });
          res.on("close", unsubscribe);
        }
        res.on("close", () => watches.delete(w));
        return undefined;
      }
      case "create":
        return atVersion(createObject(ctx, request));
      case "update":
        return atVersion(updateObject(ctx, request));
      case "patch":
        return atVersion(patchObject(ctx, request));
      case "delete":
        return atVersion(deleteObject(ctx, request));
      default:
        return atVersion(deleteCollection(ctx, request, selector()));
    }
  }

  const openApi = new OpenApiRoutes(kinds, spec.version, hiddenGroups);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Reply | undefined> {
    const url = new URL(req.url ?? "/", "http://simulator");
    const segs = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const query = url.searchParams;
    const [root, a, b] = segs;
    if (segs.length === 1 && (root === "healthz" || root === "readyz" || root === "livez")) {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return undefined;
    }
    if (root === "openapi" && a === "v2" && segs.length === 2) {
      openApi.serveV2(req, res);
      return undefined;
    }
    if (root === "openapi" && a === "v3") {
      if (segs.length === 2) return { status: 200, body: openApi.root() };
      const doc = openApi.groupVersion(segs.slice(2).join("/"));
      if (doc) return { status: 200, body: doc.doc };
    }
    if (root === "version" && segs.length === 1)
      return { status: 200, body: versionInfo(spec.version, spec.arch, startedAt) };
    if (root === "kubelet" && a && segs.slice(2).join("/") === "stats/summary") {
      checkAllowed("get", "", "nodes", "stats", a);
      return { status: 200, body: summaryFor(a) };
    }
    if (
      (root === "api" || root === "apis") &&
      segs.length === 1 &&
      wantsAggregated(req.headers.accept)
    ) {
      const text = JSON.stringify(aggregatedDiscovery(kinds, root === "api", hiddenGroups));
      res.writeHead(200, {
        "Content-Type": aggregatedMediaType,
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
      return undefined;
    }
    if (root === "api") {
      if (segs.length === 1) return { status: 200, body: coreVersions() };
      if (a === "v1" && segs.length === 2)
        return { status: 200, body: resourceList(kinds, "", "v1", hiddenGroups) };
      if (a === "v1") return resourceRoute(req, res, "", "v1", segs.slice(2), query);
    }
    if (root === "apis") {
      if (segs.length === 1) return { status: 200, body: groupList(kinds, hiddenGroups) };
      const group = a!;
      if (segs.length === 2) {
        const doc = apiGroup(kinds, group, hiddenGroups);
        if (doc) return { status: 200, body: doc };
      } else if (segs.length === 3) {
        const doc = resourceList(kinds, group, b!, hiddenGroups);
        if (doc) return { status: 200, body: doc };
      } else if (group === "metrics.k8s.io" && b === "v1beta1") {
        return metricsRoute(segs.slice(3), query);
      } else if (
        group === "authorization.k8s.io" &&
        b === "v1" &&
        segs[3] === "selfsubjectaccessreviews" &&
        segs.length === 4
      ) {
        if (req.method !== "POST")
          throw new ApiStatusError(
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
          );
        const type = req.headers["content-type"] ?? "";
        const raw = await readBody(req);
        const review = parseBody(raw, type);
        return { status: 201, body: reviewAccess(review, isDenied, timestamp(now())) };
      } else {
        return resourceRoute(req, res, group, b!, segs.slice(3), query);
      }
    }
    throw new ApiStatusError("NotFound", "the server could not find the requested resource");
  }

  const server = createServer((req, res) => {
    route(req, res).then(
      (reply) => {
        if (reply) sendJson(res, reply.status, reply.body, reply.warnings);
      },
      (err: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        const status = toApiStatus(err);
        sendJson(res, status.code, status);
      },
    );
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let added = spec.nodes;

  /** A built-in kind, or a custom kind an established CRD serves. */
  function servedKind(kind: string): ResourceType {
    return kinds.all().find((t) => t.kind === kind && !t.computed) ?? typeOfKind(kind);
  }

  function mutateNode(name: string, change: (node: KubeObject) => KubeObject): void {
    const node = store.require(nodeType, undefined, name);
    store.update(nodeType, change(node));
  }

  return {
    url,
    spec,
    now,
    advanceTime(ms) {
      if (!(ms >= 0))
        throw new RangeError(`advanceTime needs a non-negative number of ms, got ${ms}`);
      offset += ms;
    },
    addNode(add = {}) {
      const name = add.name ?? nodeName(spec, added);
      const shape = {
        name,
        index: added++,
        controlPlane: false,
        ready: add.ready ?? true,
        ...(add.labels ? { labels: add.labels } : {}),
        ...(add.taints ? { taints: add.taints } : {}),
        ...(add.cpu ? { cpu: add.cpu } : {}),
        ...(add.memory ? { memory: add.memory } : {}),
      };
      store.create(nodeType, buildNode(spec, shape, now()));
      return name;
    },
    removeNode(name) {
      store.require(nodeType, undefined, name);
      for (const pod of store.list(podType)) {
        const podSpec = pod.spec;
        if (isObject(podSpec) && podSpec.nodeName === name)
          store.delete(podType, pod.metadata.namespace, pod.metadata.name!);
      }
      store.delete(nodeType, undefined, name);
    },
    setNodeReady(name, ready) {
      mutateNode(name, (node) => ({
        ...node,
        status: { ...(node.status as object), conditions: nodeConditions(ready, timestamp(now())) },
      }));
    },
    setForbidden(list) {
      forbidden = new Set(list);
    },
    kubeletUrl(node) {
      return `${url}/kubelet/${encodeURIComponent(node)}`;
    },
    compactWatchHistory() {
      store.compact();
    },
    get(kind, namespace, name) {
      return store.get(servedKind(kind), namespace, name);
    },
    list(kind, namespace) {
      return store.list(servedKind(kind), namespace);
    },
    resourceVersion() {
      return store.resourceVersion;
    },
    onChange(listener) {
      return store.subscribe(() => listener());
    },
    async close() {
      controller.close();
      gc.close();
      crds.close();
      endpoints.close();
      for (const w of watches) w.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
