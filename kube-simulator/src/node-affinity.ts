/**
 * Required node affinity, as the scheduler's NodeAffinity plugin reads it:
 * `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms` are ORed,
 * the requirements inside a term are ANDed; `matchExpressions` look at node
 * labels (In, NotIn, Exists, DoesNotExist, Gt, Lt), `matchFields` at
 * `metadata.name`. A term with no requirements matches no node.
 */
import { arrayAt, isObject, type JsonObject, type KubeObject, objectAt } from "./kube-object.js";

function requirementHolds(req: JsonObject, value: string | undefined): boolean {
  const values = arrayAt(req, "values").map(String);
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const have = Number.parseInt(value ?? "", 10);
      const want = Number.parseInt(values[0] ?? "", 10);
      if (Number.isNaN(have) || Number.isNaN(want)) return false;
      return req.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

function termMatches(term: JsonObject, node: KubeObject): boolean {
  const expressions = arrayAt(term, "matchExpressions").filter(isObject);
  const fields = arrayAt(term, "matchFields").filter(isObject);
  if (expressions.length + fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return (
    expressions.every((e) => requirementHolds(e, labels[String(e.key)])) &&
    fields.every(
      (f) => f.key === "metadata.name" && requirementHolds(f, node.metadata.name ?? undefined),
    )
  );
}

/** True when the pod spec's required node affinity admits the node (or it has none). */
export function requiredAffinityAdmits(podSpec: JsonObject, node: KubeObject): boolean {
  const required = objectAt(
    objectAt(objectAt(podSpec, "affinity"), "nodeAffinity"),
    "requiredDuringSchedulingIgnoredDuringExecution",
  );
  if (Object.keys(required).length === 0) return true;
  return arrayAt(required, "nodeSelectorTerms")
    .filter(isObject)
    .some((term) => termMatches(term, node));
}
