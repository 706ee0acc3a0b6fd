/**
 * The list semantics server-side apply merges by, as structured-merge-diff
 * reads them from the OpenAPI schema: `x-kubernetes-list-type` `map` (items
 * keyed by `x-kubernetes-list-map-keys`), `set` (scalars keyed by value) or
 * `atomic` (the default: one owner for the whole list). Built-in kinds take
 * them from the same table the OpenAPI documents and strategic merge patch
 * use (shared/src/patch-strategies.ts, through the client-node models); custom
 * resources from their CRD's `openAPIV3Schema`, where a list without a
 * list type is atomic, as on the real server.
 */
import { isObject, type JsonObject, objectAt } from "./kube-object.js";
import { attributesOf, modelNameFor, type Shape, shapeOf } from "./model-schemas.js";
import { patchExtensions } from "./patch-strategies.js";
import type { ResourceType } from "./resource-registry.js";

/** How a list merges under server-side apply. */
export type ListType =
  | { readonly type: "atomic" }
  | { readonly type: "set" }
  | { readonly type: "map"; readonly keys: readonly string[] };

/** One node of a kind's schema, as far as apply needs it. */
export interface ApplyNode {
  /** How the list at this node merges (atomic when it is no list or declares nothing). */
  readonly list: ListType;
  /** The node of field `name` of the object (or map) at this node. */
  field(name: string): ApplyNode;
  /** The node of one item of the list at this node. */
  item(): ApplyNode;
}

const atomic: ListType = { type: "atomic" };
const any: Shape = { kind: "any" };

/** The list type that a schema node's `x-kubernetes-list-*` extensions declare. */
function listTypeOf(extensions: Record<string, unknown>): ListType {
  const type = extensions["x-kubernetes-list-type"];
  const keys = extensions["x-kubernetes-list-map-keys"];
  if (type === "map" && Array.isArray(keys) && keys.length > 0)
    return { type: "map", keys: keys.map(String) };
  if (type === "set") return { type: "set" };
  return atomic;
}

function shapeNode(shape: Shape, list: ListType = atomic): ApplyNode {
  return {
    list,
    field(name) {
      if (shape.kind === "map") return shapeNode(shape.of);
      if (shape.kind !== "model") return shapeNode(any);
      const attr = attributesOf(shape.name)?.find((a) => a.baseName === name);
      return shapeNode(
        attr ? shapeOf(attr.type, attr.format) : any,
        listTypeOf(patchExtensions(shape.name, name)),
      );
    },
    item: () => shapeNode(shape.kind === "array" ? shape.of : any),
  };
}

const objectMeta = shapeNode({ kind: "model", name: "V1ObjectMeta" });

function schemaNode(schema: JsonObject | undefined): ApplyNode {
  const s = schema ?? {};
  return {
    list: listTypeOf(s),
    field(name) {
      const property = objectAt(s, "properties")[name];
      if (isObject(property)) return schemaNode(property);
      return schemaNode(isObject(s.additionalProperties) ? s.additionalProperties : undefined);
    },
    item: () => schemaNode(isObject(s.items) ? s.items : undefined),
  };
}

/** The root node of a served kind: its client-node model, or its CRD's schema. */
export function applyRoot(type: ResourceType): ApplyNode {
  if (type.schema) {
    const custom = schemaNode(type.schema);
    return { ...custom, field: (name) => (name === "metadata" ? objectMeta : custom.field(name)) };
  }
  const model = modelNameFor(type);
  return shapeNode(model ? { kind: "model", name: model } : any);
}
