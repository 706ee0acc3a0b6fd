/**
 * `?watch=true`: a chunked stream of JSON lines `{type, object}`, with the
 * semantics of the real watch: no or "0" resourceVersion starts with
 * synthetic ADDED events for what exists; a given version replays what
 * happened after it, or sends a 410 Expired ERROR event and ends when that
 * history is gone; objects moving in or out of a selector appear as ADDED or
 * DELETED; BOOKMARKs are sent when asked for; `timeoutSeconds` ends it.
 */
import type { ServerResponse } from "node:http";
import { ApiStatusError } from "./api-status.js";
import { isObject, type KubeObject } from "./kube-object.js";
import type { ChangeEvent, ObjectStore } from "./object-store.js";
import { apiVersionOf, qualifiedResource, type ResourceType } from "./resource-registry.js";
import type { Matcher } from "./selectors.js";

/** What one watch request asked for. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly matches: Matcher;
  readonly resourceVersion?: string;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  readonly timeoutSeconds?: number;
  /** How often to send a BOOKMARK when asked for (ms). */
  readonly bookmarkIntervalMs: number;
  /** Re-shapes each event's object (a Table for kubectl get -w); `first` is true once. */
  readonly view?: (object: KubeObject, first: boolean) => unknown;
}

/** A running watch; `stop()` ends the response. */
export interface ActiveWatch {
  stop(): void;
}

/** Default lifetime of a watch without timeoutSeconds, as the API server's min-request-timeout. */
const defaultTimeoutSeconds = 1800;

/**
 * Streams a watch to `res`. Throws (before writing anything) a 400 for a
 * malformed resourceVersion; everything after that is in-stream.
 */
export function startWatch(
  store: ObjectStore,
  req: WatchRequest,
  res: ServerResponse,
): ActiveWatch {
  const rv = req.resourceVersion;
  if (rv && !/^\d+$/.test(rv)) {
    throw new ApiStatusError(
      "BadRequest",
      `resourceVersion: Invalid value: "${rv}": must be a non-negative integer`,
    );
  }
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
  res.flushHeaders();

  const inScope = (obj: KubeObject) =>
    !req.type.namespaced || !req.namespace || obj.metadata.namespace === req.namespace;
  let first = true;
  // A custom resource is stored once for all its versions: it shows the version watched.
  const apiVersion = apiVersionOf(req.type);
  const atVersion = (object: unknown) =>
    isObject(object) && object.kind === req.type.kind && object.apiVersion !== apiVersion
      ? { ...object, apiVersion }
      : object;
  const write = (type: string, object: unknown) => {
    if (res.writableEnded) return;
    let shown = atVersion(object);
    if (req.view && type !== "ERROR" && type !== "BOOKMARK") {
      shown = req.view(object as KubeObject, first);
      first = false;
    }
    res.write(`${JSON.stringify({ type, object: shown })}\n`);
  };
  const send = (e: ChangeEvent) => {
    if (qualifiedResource(e.resource) !== qualifiedResource(req.type) || !inScope(e.object)) return;
    const now = req.matches(e.object);
    if (e.type !== "MODIFIED") {
      if (now) write(e.type, e.object);
      return;
    }
    const before = e.previous ? req.matches(e.previous) : false;
    if (before && now) write("MODIFIED", e.object);
    else if (now) write("ADDED", e.object);
    else if (before) write("DELETED", e.object);
  };
  const bookmark = (annotations?: Record<string, string>) =>
    write("BOOKMARK", {
      kind: req.type.kind,
      apiVersion: apiVersionOf(req.type),
      metadata: {
        resourceVersion: String(store.resourceVersion),
        ...(annotations ? { annotations } : {}),
      },
    });

  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  const stop = () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  res.on("close", stop);

  if (!rv || rv === "0") {
    for (const obj of store.list(req.type, req.type.namespaced ? req.namespace : undefined)) {
      if (req.matches(obj)) write("ADDED", obj);
    }
    if (req.sendInitialEvents && req.allowBookmarks)
      bookmark({ "k8s.io/initial-events-end": "true" });
  } else {
    const events = store.eventsSince(Number(rv));
    if (events === "expired") {
      const gone = new ApiStatusError(
        "Expired",
        `too old resource version: ${rv} (${store.oldestResumable})`,
      );
      write("ERROR", gone.status);
      stop();
      return { stop };
    }
    for (const e of events) send(e);
  }
  unsubscribe = store.subscribe(send);
  if (req.allowBookmarks) {
    const tick = setInterval(() => bookmark(), req.bookmarkIntervalMs);
    tick.unref();
    timers.push(tick);
  }
  const end = setTimeout(stop, (req.timeoutSeconds ?? defaultTimeoutSeconds) * 1000);
  end.unref();
  timers.push(end);
  return { stop };
}
