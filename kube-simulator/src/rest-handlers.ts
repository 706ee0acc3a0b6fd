/**
 * The verbs on stored resources: get, list (with selectors and paging),
 * create, update (with the resourceVersion precondition), patch (apply,
 * merge, strategic merge, JSON patch), delete and deletecollection. Each
 * returns what the real API server would answer with, as {status, body}.
 */
import { allocateClusterIp, checkImmutable, validateObject } from "./admission.js";
import { ApiStatusError } from "./api-status.js";
import { fieldValidationOf, unknownFieldList, validateFields } from "./field-validation.js";
import { type GarbageCollector, propagationOf } from "./garbage-collector.js";
import { clone, isObject, type JsonObject, type KubeObject, objectAt } from "./kube-object.js";
import { modelNameFor } from "./model-schemas.js";
import { invalid, type ObjectStore } from "./object-store.js";
import { jsonPatch, mergePatch } from "./patches.js";
import { apiVersionOf, type ResourceType, resourceTypes, typeOfKind } from "./resource-registry.js";
import type { Matcher } from "./selectors.js";
import type { ServedKinds } from "./served-kinds.js";
import { recordUpdate, serverSideApply } from "./server-side-apply.js";
import { strategicMergePatch } from "./strategic-merge.js";

/** An HTTP answer: status code, JSON body, and `Warning` header texts. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly warnings?: readonly string[];
}

/** The parts of a resource request the handlers need. */
export interface ResourceRequest {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
  readonly query: URLSearchParams;
  /** Parsed body, when the verb has one. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** Default field manager for non-apply writes (from the User-Agent, as the real server derives it). */
  readonly defaultManager: string;
}

/** What the handlers work on. */
export interface HandlerContext {
  readonly store: ObjectStore;
  readonly now: () => number;
  /** First two octets of the service range ("10.43" on k3s), for cluster IPs. */
  readonly serviceIpPrefix?: string;
  /** Deletes with propagationPolicy; without it, deletes remove just the object. */
  readonly gc?: GarbageCollector;
  /** The kinds this simulator serves (custom ones included); default: the built-in ones. */
  readonly kinds?: ServedKinds;
}

const namespaceType = typeOfKind("Namespace");

function requireBodyObject(req: ResourceRequest): KubeObject {
  const body = req.body;
  if (!isObject(body))
    throw new ApiStatusError("BadRequest", "the request body must be a JSON object");
  if (!isObject(body.metadata)) body.metadata = {};
  return body as KubeObject;
}

function checkIdentity(req: ResourceRequest, obj: KubeObject): void {
  const expected = apiVersionOf(req.type);
  if (obj.apiVersion && obj.apiVersion !== expected) {
    throw new ApiStatusError(
      "BadRequest",
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`,
    );
  }
  if (obj.kind && obj.kind !== req.type.kind) {
    throw new ApiStatusError(
      "BadRequest",
      `the kind in the data (${obj.kind}) does not match the expected kind (${req.type.kind})`,
    );
  }
  obj.apiVersion = expected;
  obj.kind = req.type.kind;
  if (req.type.namespaced) {
    if (obj.metadata.namespace && req.namespace && obj.metadata.namespace !== req.namespace) {
      throw new ApiStatusError(
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    obj.metadata.namespace = req.namespace;
  }
  if (req.name !== undefined && obj.metadata.name !== undefined && obj.metadata.name !== req.name) {
    throw new ApiStatusError(
      "BadRequest",
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${req.name})`,
    );
  }
  if (req.name !== undefined) obj.metadata.name = req.name;
}

function requireNamespace(ctx: HandlerContext, req: ResourceRequest): void {
  if (req.type.namespaced && req.namespace)
    ctx.store.require(namespaceType, undefined, req.namespace);
}

/** Keeps live status on main-resource writes and live spec on /status writes, as the real strategies do. */
function splitStatus(
  req: ResourceRequest,
  live: KubeObject | undefined,
  next: KubeObject,
): KubeObject {
  if (!req.type.hasStatus || !live) return next;
  if (req.subresource === "status") {
    const { status } = next;
    return { ...clone(live), metadata: next.metadata, status };
  }
  const out: KubeObject = { ...next };
  if (live.status === undefined) delete out.status;
  else out.status = live.status;
  return out;
}

function fieldManager(req: ResourceRequest): string {
  const manager = req.query.get("fieldManager");
  if (manager !== null && (manager.length === 0 || manager.length > 128)) {
    throw new ApiStatusError("BadRequest", "fieldManager must be between 1 and 128 characters");
  }
  return manager ?? req.defaultManager;
}

/** Create/update: prune unknown fields, refusing them under Strict with the decoder's words. */
function decodeStrictly(req: ResourceRequest, obj: KubeObject): readonly string[] {
  const { kind, version } = req.type;
  return validateFields(
    obj,
    req.type,
    fieldValidationOf(req.query),
    (paths) =>
      new ApiStatusError(
        "BadRequest",
        `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${unknownFieldList(paths)}`,
      ),
  ).warnings;
}

function isDryRun(req: ResourceRequest): boolean {
  return req.query.get("dryRun") === "All";
}

/** GET one object. */
export function getObject(ctx: HandlerContext, req: ResourceRequest): Reply {
  return { status: 200, body: ctx.store.require(req.type, req.namespace, req.name!) };
}

/** The objects a list or deletecollection selects. */
function selected(ctx: HandlerContext, req: ResourceRequest, matches: Matcher): KubeObject[] {
  return ctx.store.list(req.type, req.type.namespaced ? req.namespace : undefined).filter(matches);
}

/**
 * GET a collection. Items carry no kind/apiVersion, as in real list
 * responses. `limit`/`continue` page through a snapshot-free list; the
 * continue token is an opaque offset.
 */
export function listObjects(ctx: HandlerContext, req: ResourceRequest, matches: Matcher): Reply {
  let items = selected(ctx, req, matches);
  const metadata: JsonObject = { resourceVersion: String(ctx.store.resourceVersion) };
  const limit = Number(req.query.get("limit") ?? 0);
  const token = req.query.get("continue");
  let start = 0;
  if (token) {
    const parsed = Number(Buffer.from(token, "base64url").toString("utf8"));
    if (!Number.isInteger(parsed) || parsed < 0)
      throw new ApiStatusError("BadRequest", "continue key is not valid");
    start = parsed;
  }
  if (limit > 0 || start > 0) {
    const end = limit > 0 ? start + limit : items.length;
    if (end < items.length) {
      metadata.continue = Buffer.from(String(end)).toString("base64url");
      metadata.remainingItemCount = items.length - end;
    }
    items = items.slice(start, end);
  }
  return {
    status: 200,
    body: {
      kind: `${req.type.kind}List`,
      apiVersion: apiVersionOf(req.type),
      metadata,
      items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    },
  };
}

/** POST: create, 201. */
export function createObject(ctx: HandlerContext, req: ResourceRequest): Reply {
  const obj = requireBodyObject(req);
  checkIdentity(req, obj);
  const warnings = decodeStrictly(req, obj);
  validateObject(req.type, obj);
  requireNamespace(ctx, req);
  delete obj.metadata.resourceVersion;
  // A custom resource with a status subresource starts without one, as its strategy resets it.
  if (req.type.schema && req.type.hasStatus) delete obj.status;
  if (req.type.kind === "Service" && req.type.group === "") {
    const taken = new Set(
      ctx.store.list(req.type).map((svc) => String(objectAt(svc, "spec").clusterIP ?? "")),
    );
    allocateClusterIp(obj, ctx.serviceIpPrefix ?? "10.43", taken);
  }
  // A new claim is Pending until the volume controller binds it.
  if (req.type.kind === "PersistentVolumeClaim" && !objectAt(obj, "status").phase)
    obj.status = { phase: "Pending" };
  const withFields = recordUpdate(req.type, undefined, obj, fieldManager(req), ctx.now());
  if (isDryRun(req)) return { status: 201, body: withFields, warnings };
  return { status: 201, body: ctx.store.create(req.type, withFields), warnings };
}

/** PUT: replace; a stale metadata.resourceVersion is a 409 Conflict. */
export function updateObject(ctx: HandlerContext, req: ResourceRequest): Reply {
  const obj = requireBodyObject(req);
  checkIdentity(req, obj);
  const warnings = decodeStrictly(req, obj);
  const live = ctx.store.require(req.type, req.namespace, req.name!);
  const expected = obj.metadata.resourceVersion;
  const next = splitStatus(req, live, obj);
  checkImmutable(req.type, live, next);
  validateObject(req.type, next);
  next.metadata.managedFields = live.metadata.managedFields;
  const withFields = recordUpdate(req.type, live, next, fieldManager(req), ctx.now());
  if (isDryRun(req)) return { status: 200, body: withFields, warnings };
  return {
    status: 200,
    body: ctx.store.update(req.type, withFields, { expectedResourceVersion: expected }),
    warnings,
  };
}

/** PATCH with any of the four patch types. Apply creates a missing object (201). */
export function patchObject(ctx: HandlerContext, req: ResourceRequest): Reply {
  const type = (req.contentType ?? "").split(";")[0]!.trim();
  const force = req.query.get("force");
  const live = ctx.store.get(req.type, req.namespace, req.name!);
  if (type === "application/apply-patch+yaml") {
    const manager = req.query.get("fieldManager");
    if (!manager) {
      throw new ApiStatusError("BadRequest", "PATCH /apply requires fieldManager to be set", {
        causes: [
          {
            reason: "FieldValueRequired",
            message: "Required value: is required for apply patch",
            field: "fieldManager",
          },
        ],
      });
    }
    const config = requireBodyObject(req);
    if (!config.apiVersion || !config.kind) {
      throw invalid(
        req.type,
        req.name!,
        "apiVersion, kind",
        "Required value: apply patches must set apiVersion and kind",
      );
    }
    checkIdentity(req, config);
    const warnings = validateFields(
      config,
      req.type,
      fieldValidationOf(req.query),
      (paths) =>
        new ApiStatusError(
          "BadRequest",
          `failed to create typed patch object (${req.namespace ?? ""}/${req.name}; ${apiVersionOf(req.type)}, Kind=${req.type.kind}): ${paths.map((p) => `.${p}: field not declared in schema`).join(", ")}`,
        ),
    ).warnings;
    if (!live) requireNamespace(ctx, req);
    const applied = serverSideApply(req.type, live, config, {
      manager,
      force: force === "true",
      now: ctx.now(),
    });
    const next = splitStatus(req, live, applied);
    if (live) checkImmutable(req.type, live, next);
    validateObject(req.type, next);
    if (isDryRun(req)) return { status: live ? 200 : 201, body: next, warnings };
    if (!live) return { status: 201, body: ctx.store.create(req.type, next), warnings };
    return { status: 200, body: ctx.store.update(req.type, next), warnings };
  }
  if (force !== null) {
    throw invalid(
      req.type,
      req.name!,
      "force",
      "Forbidden: may not be specified for non-apply patch",
    );
  }
  if (!live) ctx.store.require(req.type, req.namespace, req.name!);
  const current = live!;
  let patched: unknown;
  // Custom resources have no Go struct to carry patch strategies: the real server refuses it too.
  if (type === "application/strategic-merge-patch+json" && req.type.schema) {
    throw new ApiStatusError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
  }
  if (type === "application/merge-patch+json") patched = mergePatch(current, req.body);
  else if (type === "application/strategic-merge-patch+json")
    patched = strategicMergePatch(current, req.body, modelNameFor(req.type));
  else if (type === "application/json-patch+json") patched = jsonPatch(current, req.body);
  else {
    throw new ApiStatusError(
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
    );
  }
  if (!isObject(patched) || !isObject(patched.metadata)) {
    throw invalid(req.type, req.name!, "metadata", "Required value: the patch removed metadata");
  }
  const next = patched as KubeObject;
  const warnings = validateFields(
    next,
    req.type,
    fieldValidationOf(req.query),
    (paths) =>
      new ApiStatusError("BadRequest", `strict decoding error: ${unknownFieldList(paths)}`),
  ).warnings;
  // A resourceVersion in a patch is a precondition, as on the real API.
  const expected =
    next.metadata.resourceVersion !== current.metadata.resourceVersion
      ? next.metadata.resourceVersion
      : undefined;
  next.metadata.name = current.metadata.name;
  next.apiVersion = current.apiVersion;
  next.kind = current.kind;
  checkImmutable(req.type, current, next);
  validateObject(req.type, next);
  const withFields = recordUpdate(
    req.type,
    current,
    splitStatus(req, current, next),
    fieldManager(req),
    ctx.now(),
  );
  if (isDryRun(req)) return { status: 200, body: withFields, warnings };
  return {
    status: 200,
    body: ctx.store.update(
      req.type,
      withFields,
      expected ? { expectedResourceVersion: expected } : {},
    ),
    warnings,
  };
}

/** DELETE one object (immediately; no graceful termination). A namespace takes its contents with it. */
export function deleteObject(ctx: HandlerContext, req: ResourceRequest): Reply {
  const live = ctx.store.require(req.type, req.namespace, req.name!);
  const preconditions =
    isObject(req.body) && isObject(req.body.preconditions) ? req.body.preconditions : {};
  if (
    (preconditions.uid && preconditions.uid !== live.metadata.uid) ||
    (preconditions.resourceVersion &&
      preconditions.resourceVersion !== live.metadata.resourceVersion)
  ) {
    throw new ApiStatusError(
      "Conflict",
      `Operation cannot be fulfilled on ${req.type.plural} "${req.name}": Precondition failed: UID in precondition: ${preconditions.uid ?? ""}, UID in object meta: ${live.metadata.uid}`,
      { name: req.name, kind: req.type.plural },
    );
  }
  const policy = propagationOf(req.body, req.query);
  if (isDryRun(req)) return { status: 200, body: live };
  if (req.type === namespaceType) {
    const types = ctx.kinds?.all() ?? resourceTypes;
    for (const other of types.filter((t) => t.namespaced && !t.computed)) {
      for (const obj of ctx.store.list(other, req.name))
        ctx.store.delete(other, req.name, obj.metadata.name!);
    }
  }
  if (ctx.gc) return { status: 200, body: ctx.gc.delete(req.type, live, policy, ctx.now()) };
  return { status: 200, body: ctx.store.delete(req.type, req.namespace, req.name!) };
}

/** DELETE on a collection: removes what the selectors match; answers with the deleted list. */
export function deleteCollection(
  ctx: HandlerContext,
  req: ResourceRequest,
  matches: Matcher,
): Reply {
  const victims = selected(ctx, req, matches);
  const policy = propagationOf(req.body, req.query);
  const deleted = isDryRun(req)
    ? victims
    : victims.map((v) =>
        ctx.gc
          ? ctx.gc.delete(req.type, v, policy, ctx.now())
          : ctx.store.delete(req.type, v.metadata.namespace, v.metadata.name!),
      );
  return {
    status: 200,
    body: {
      kind: `${req.type.kind}List`,
      apiVersion: apiVersionOf(req.type),
      metadata: { resourceVersion: String(ctx.store.resourceVersion) },
      items: deleted,
    },
  };
}
