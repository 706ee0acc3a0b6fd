/**
 * What the API server's registry strategies do to a write before it is
 * stored: a Service gets a cluster IP on create, and fields that cannot
 * change are refused on update with the real messages (a Job's template, a
 * Deployment's selector, a Service's clusterIP, a CRD's scope).
 */
import { ApiStatusError, type StatusCause } from "./api-status.js";
import { checkCrd } from "./crd-definition.js";
import { isObject, type JsonObject, jsonEqual, type KubeObject, objectAt } from "./kube-object.js";
import type { ResourceType } from "./resource-registry.js";

function refuse(type: ResourceType, name: string, causes: StatusCause[]): ApiStatusError {
  const qualified = type.group ? `${type.kind}.${type.group}` : type.kind;
  const detail = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  const list = causes.length > 1 ? `[${detail}]` : detail;
  return new ApiStatusError("Invalid", `${qualified} "${name}" is invalid: ${list}`, {
    name,
    ...(type.group ? { group: type.group } : {}),
    kind: type.kind,
    causes,
  });
}

const goString = (s: unknown) => JSON.stringify(String(s));

/** How Go's %#v prints a metav1.LabelSelector, which the real message shows. */
function goLabelSelector(sel: JsonObject): string {
  const labels = isObject(sel.matchLabels) ? sel.matchLabels : undefined;
  const entries = labels
    ? Object.keys(labels)
        .sort()
        .map((k) => `${goString(k)}:${goString(labels[k])}`)
        .join(", ")
    : "";
  const exprs = Array.isArray(sel.matchExpressions) && sel.matchExpressions.length > 0;
  return (
    `v1.LabelSelector{MatchLabels:${labels ? `map[string]string{${entries}}` : "map[string]string(nil)"}, ` +
    `MatchExpressions:${exprs ? "[]v1.LabelSelectorRequirement{...}" : "[]v1.LabelSelectorRequirement(nil)"}}`
  );
}

/** Refuses changes to immutable fields; `next` is what would be stored over `live`. */
export function checkImmutable(type: ResourceType, live: KubeObject, next: KubeObject): void {
  const name = live.metadata.name ?? "";
  const before = objectAt(live, "spec");
  const after = objectAt(next, "spec");
  const causes: StatusCause[] = [];
  const immutable = (field: string, shown: string) =>
    causes.push({
      reason: "FieldValueInvalid",
      field,
      message: `Invalid value: ${shown}: field is immutable`,
    });
  if (
    type.kind === "Deployment" &&
    type.group === "apps" &&
    !jsonEqual(before.selector, after.selector)
  )
    immutable("spec.selector", goLabelSelector(objectAt(after, "selector")));
  if (type.kind === "Job" && type.group === "batch") {
    if (!jsonEqual(before.template, after.template))
      immutable("spec.template", "core.PodTemplateSpec{...}");
  }
  if (type.kind === "Service" && type.group === "") {
    const was = before.clusterIP;
    const is = after.clusterIP;
    // Leaving it out keeps it (the strategy copies it over); changing it is refused.
    if (typeof was === "string" && was !== "" && is !== undefined && is !== was) {
      causes.push({
        reason: "FieldValueInvalid",
        field: "spec.clusterIPs[0]",
        message: `Invalid value: []string{${goString(is)}}: may not change once set`,
      });
      immutable("spec.clusterIP", goString(is));
    } else if (typeof was === "string" && is === undefined) {
      after.clusterIP = was;
      after.clusterIPs = before.clusterIPs ?? [was];
      next.spec = after;
    }
  }
  // A CRD's scope cannot change: its objects are stored by it.
  if (
    type.kind === "CustomResourceDefinition" &&
    type.group === "apiextensions.k8s.io" &&
    before.scope !== after.scope
  )
    immutable("spec.scope", goString(after.scope));
  if (causes.length) throw refuse(type, name, causes);
}

/** Allocates a Service's cluster IP on create, from the distribution's service range. */
export function allocateClusterIp(
  obj: KubeObject,
  serviceCidrPrefix: string,
  taken: Set<string>,
): void {
  const spec = objectAt(obj, "spec");
  if (spec.type === "ExternalName" || spec.clusterIP === "None") return;
  if (typeof spec.clusterIP === "string" && spec.clusterIP !== "") {
    spec.clusterIPs ??= [spec.clusterIP];
    obj.spec = spec;
    return;
  }
  for (let n = 10; n < 65_000; n++) {
    const ip = `${serviceCidrPrefix}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    if (taken.has(ip)) continue;
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    spec.type ??= "ClusterIP";
    obj.spec = spec;
    return;
  }
}

/** The kind-specific validation a write must pass on create and update (422 Invalid). */
export function validateObject(type: ResourceType, obj: KubeObject): void {
  if (type.kind === "CustomResourceDefinition" && type.group === "apiextensions.k8s.io")
    checkCrd(obj);
}
