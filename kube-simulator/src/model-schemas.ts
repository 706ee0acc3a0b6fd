/**
 * The shape of every built-in kind, read from the generated models of
 * `@kubernetes/client-node` (each class's `attributeTypeMap`, generated from
 * the Kubernetes OpenAPI spec): field names, and whether each is a scalar, a
 * nested model, a list or a map. Field validation and the OpenAPI documents
 * are built from this; nothing here is written per kind.
 */
import * as models from "@kubernetes/client-node";
import type { ResourceType } from "./resource-registry.js";

/** One field of a model, as client-node's generator records it. */
export interface Attribute {
  readonly name: string;
  /** The JSON field name. */
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

/** What a field holds. */
export type Shape =
  | { readonly kind: "model"; readonly name: string }
  | { readonly kind: "array"; readonly of: Shape }
  | { readonly kind: "map"; readonly of: Shape }
  | { readonly kind: "int-or-string" }
  | {
      readonly kind: "scalar";
      readonly type: "string" | "integer" | "number" | "boolean" | "date-time";
    }
  | { readonly kind: "any" };

const registry = models as unknown as Record<
  string,
  { attributeTypeMap?: Attribute[] } | undefined
>;

/** A model's fields, or undefined when client-node has no such model. */
export function attributesOf(model: string): readonly Attribute[] | undefined {
  const found = registry[model]?.attributeTypeMap;
  return Array.isArray(found) ? found : undefined;
}

/** The client-node model of a served kind (`V1Deployment`, `V2HorizontalPodAutoscaler`). */
export function modelNameFor(type: Pick<ResourceType, "version" | "kind">): string | undefined {
  const name = `${type.version[0]!.toUpperCase()}${type.version.slice(1)}${type.kind}`;
  return attributesOf(name) ? name : undefined;
}

const shapes = new Map<string, Shape>();

/** Parses a generator type string (`Array<V1Container>`, `{ [key: string]: string; }`). */
export function shapeOf(type: string, format = ""): Shape {
  const key = `${type}|${format}`;
  const cached = shapes.get(key);
  if (cached) return cached;
  let shape: Shape;
  const array = /^Array<(.+)>$/.exec(type);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (array) shape = { kind: "array", of: shapeOf(array[1]!) };
  else if (map) shape = { kind: "map", of: shapeOf(map[1]!) };
  else if (type === "string") shape = { kind: "scalar", type: "string" };
  else if (type === "Date") shape = { kind: "scalar", type: "date-time" };
  else if (type === "boolean") shape = { kind: "scalar", type: "boolean" };
  else if (type === "number")
    shape = { kind: "scalar", type: format.startsWith("int") ? "integer" : "number" };
  else if (type === "IntOrString") shape = { kind: "int-or-string" };
  else if (attributesOf(type)) shape = { kind: "model", name: type };
  else shape = { kind: "any" };
  shapes.set(key, shape);
  return shape;
}
