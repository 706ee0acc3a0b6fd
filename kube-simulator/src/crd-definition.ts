/**
 * What a CustomResourceDefinition (apiextensions.k8s.io/v1) declares, read
 * into a served {@link ResourceType}: group, names, scope, the storage
 * version's schema, status subresource and printer columns. Also the
 * admission checks the API server makes on a CRD, in its words.
 *
 * Every served version is routed, with its own schema and columns; all are
 * stored together, and an object reads at any version with only its
 * `apiVersion` changed (conversion strategy `None`; no conversion webhooks).
 */
import { ApiStatusError, type StatusCause } from "./api-status.js";
import {
  arrayAt,
  getPath,
  isObject,
  type JsonObject,
  type KubeObject,
  objectAt,
} from "./kube-object.js";
import { allVerbs, type ResourceType } from "./resource-registry.js";
import {
  ageColumn,
  type Column,
  type ColumnDefinition,
  column,
  nameColumn,
} from "./table-printers.js";

/** The names a CRD asks for, with the API server's defaults filled in. */
export interface CrdNames {
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
}

/** `spec.names`, defaulted as the API server defaults them (singular = lower-case kind, listKind = kind + "List"). */
export function crdNames(crd: KubeObject): CrdNames {
  const names = objectAt(objectAt(crd, "spec"), "names");
  const kind = String(names.kind ?? "");
  const strings = (v: unknown) =>
    Array.isArray(v) && v.length > 0
      ? v.filter((x): x is string => typeof x === "string")
      : undefined;
  const shortNames = strings(names.shortNames);
  const categories = strings(names.categories);
  return {
    plural: String(names.plural ?? ""),
    singular:
      typeof names.singular === "string" && names.singular ? names.singular : kind.toLowerCase(),
    kind,
    listKind: typeof names.listKind === "string" && names.listKind ? names.listKind : `${kind}List`,
    ...(shortNames ? { shortNames } : {}),
    ...(categories ? { categories } : {}),
  };
}

function storageVersion(crd: KubeObject): JsonObject | undefined {
  return arrayAt(objectAt(crd, "spec"), "versions").find(
    (v): v is JsonObject => isObject(v) && v.storage === true,
  );
}

/** A JSONPath like `.spec.replicas` as a column cell; other JSONPath forms show empty. */
function printerColumn(def: JsonObject): Column {
  const path = String(def.jsonPath ?? "");
  const keys = /^(\.[A-Za-z0-9_-]+)+$/.test(path) ? path.slice(1).split(".") : undefined;
  const type = String(def.type ?? "string");
  const columnType: ColumnDefinition["type"] =
    type === "integer" || type === "number" || type === "boolean" || type === "date"
      ? type
      : "string";
  return column(
    String(def.name ?? ""),
    (o) => {
      const v = keys ? getPath(o, keys) : undefined;
      if (v === undefined || v === null) return "";
      return typeof v === "number" ? v : typeof v === "string" ? v : JSON.stringify(v);
    },
    {
      type: columnType,
      wide: Number(def.priority ?? 0) > 0,
      ...(typeof def.description === "string" ? { description: def.description } : {}),
    },
  );
}

/** The storage version's name, or undefined when the CRD marks none. */
export function storageVersionOf(crd: KubeObject): string | undefined {
  const v = storageVersion(crd)?.name;
  return typeof v === "string" ? v : undefined;
}

/** The types a CRD serves: one per served version (none when it marks no storage version). */
export function customTypesOf(crd: KubeObject): ResourceType[] {
  if (!storageVersion(crd)) return [];
  const spec = objectAt(crd, "spec");
  const names = crdNames(crd);
  return arrayAt(spec, "versions")
    .filter((v): v is JsonObject => isObject(v) && v.served !== false)
    .map((version) => {
      const schema = objectAt(objectAt(version, "schema"), "openAPIV3Schema");
      const hasStatus = isObject(objectAt(version, "subresources").status);
      const printers = arrayAt(version, "additionalPrinterColumns")
        .filter(isObject)
        .map(printerColumn);
      return {
        group: String(spec.group ?? ""),
        version: String(version.name ?? ""),
        kind: names.kind,
        plural: names.plural,
        singular: names.singular,
        namespaced: spec.scope !== "Cluster",
        verbs: allVerbs,
        ...(names.shortNames ? { shortNames: names.shortNames } : {}),
        ...(names.categories ? { categories: names.categories } : {}),
        ...(hasStatus ? { hasStatus: true, subresources: ["status"] } : {}),
        // Custom resources always track generation (status changes do not bump it when status is a subresource).
        tracksGeneration: true,
        schema,
        // The real server's default columns for custom resources: NAME, then the CRD's, then AGE.
        printerColumns: [nameColumn, ...printers, ageColumn],
      };
    });
}

/**
 * The API server's validation of a CRD on create and update (a subset):
 * the name is `<plural>.<group>`, the scope is known, there is exactly one
 * storage version, and each served version has a schema. 422 otherwise.
 */
export function checkCrd(crd: KubeObject): void {
  const spec = objectAt(crd, "spec");
  const name = crd.metadata.name ?? "";
  const names = crdNames(crd);
  const causes: StatusCause[] = [];
  const fail = (field: string, message: string) =>
    causes.push({ reason: "FieldValueInvalid", field, message });
  if (name !== `${names.plural}.${String(spec.group ?? "")}`)
    fail("metadata.name", `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`);
  if (!names.plural) fail("spec.names.plural", "Required value");
  if (!names.kind) fail("spec.names.kind", "Required value");
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster")
    fail(
      "spec.scope",
      `Unsupported value: "${String(spec.scope ?? "")}": supported values: "Cluster", "Namespaced"`,
    );
  const versions = arrayAt(spec, "versions");
  if (versions.length === 0)
    fail(
      "spec.versions",
      "Invalid value: null: must have exactly one version marked as storage version",
    );
  else if (versions.filter((v) => isObject(v) && v.storage === true).length !== 1)
    fail(
      "spec.versions",
      `Invalid value: ${JSON.stringify(versions.map((v) => (isObject(v) ? v.name : v)))}: must have exactly one version marked as storage version`,
    );
  versions.forEach((v, i) => {
    if (isObject(v) && !isObject(objectAt(v, "schema").openAPIV3Schema))
      fail(`spec.versions[${i}].schema.openAPIV3Schema`, "Required value: schemas are required");
  });
  if (causes.length === 0) return;
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw new ApiStatusError(
    "Invalid",
    `CustomResourceDefinition.apiextensions.k8s.io "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(", ")}]`}`,
    { name, group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", causes },
  );
}
