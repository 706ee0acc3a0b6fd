/**
 * Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
 * turns an object or a list into a meta.k8s.io Table, as the real API server
 * does for `kubectl get`. `includeObject=None|Metadata|Object` (default
 * Metadata) says what each row carries.
 */
import { ApiStatusError } from "./api-status.js";
import type { KubeObject } from "./kube-object.js";
import { apiVersionOf, type ResourceType } from "./resource-registry.js";
import { columnsFor } from "./table-printers.js";

/** The Table version a client asked for, or undefined for plain JSON. */
export function tableVersion(accept: string | undefined): "v1" | "v1beta1" | undefined {
  if (!accept) return undefined;
  let fallback: "v1beta1" | undefined;
  for (const entry of accept.split(",")) {
    const params = new Map(
      entry
        .split(";")
        .slice(1)
        .map((p) => p.trim().split("=") as [string, string]),
    );
    if (params.get("as") !== "Table" || params.get("g") !== "meta.k8s.io") continue;
    if (params.get("v") === "v1") return "v1";
    if (params.get("v") === "v1beta1") fallback = "v1beta1";
  }
  return fallback;
}

/** What a row's `object` holds. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** Reads `includeObject`; anything else is a 400 as on the real server. */
export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get("includeObject") ?? "Metadata";
  if (v === "None" || v === "Metadata" || v === "Object") return v;
  throw new ApiStatusError(
    "BadRequest",
    `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
  );
}

/** Options for {@link toTable}. */
export interface TableOptions {
  readonly version: "v1" | "v1beta1";
  readonly includeObject: IncludeObject;
  readonly now: number;
  /** Leave out columnDefinitions (watch events after the first, as the real server). */
  readonly noHeaders?: boolean;
  readonly listMeta?: Record<string, unknown>;
}

function rowObject(
  type: ResourceType,
  obj: KubeObject,
  include: IncludeObject,
  version: string,
): unknown {
  if (include === "None") return undefined;
  // List items carry no kind; a row's object must.
  if (include === "Object") return { ...obj, kind: type.kind, apiVersion: apiVersionOf(type) };
  return {
    kind: "PartialObjectMetadata",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata,
  };
}

/** A Table for objects of `type`, one row each. */
export function toTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  o: TableOptions,
): unknown {
  const columns = type.printerColumns ?? columnsFor(type.kind);
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${o.version}`,
    metadata: o.listMeta ?? {},
    ...(o.noHeaders ? {} : { columnDefinitions: columns.map((c) => c.def) }),
    rows: objects.map((obj) => {
      const object = rowObject(type, obj, o.includeObject, o.version);
      return {
        cells: columns.map((c) => c.cell(obj, o.now)),
        ...(object === undefined ? {} : { object }),
      };
    }),
  };
}
