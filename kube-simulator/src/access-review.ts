/**
 * `SelfSubjectAccessReview` (authorization.k8s.io/v1), what `kubectl auth
 * can-i` asks: answered from the simulator's permission rules (the `forbid`
 * list), the same rules every request is checked against.
 */
import { ApiStatusError } from "./api-status.js";
import { isObject, type JsonObject } from "./kube-object.js";

/** Whether the simulator's rules deny a request (see SimulatorOptions.forbid). */
export type DenyRule = (
  verb: string,
  group: string,
  plural: string,
  sub: string | undefined,
) => boolean;

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Answers a SelfSubjectAccessReview body: the review with its status filled in. */
export function reviewAccess(body: unknown, denied: DenyRule, now: string): JsonObject {
  if (!isObject(body) || body.kind !== "SelfSubjectAccessReview") {
    throw new ApiStatusError(
      "BadRequest",
      "the body of the request must be a SelfSubjectAccessReview",
    );
  }
  const spec = isObject(body.spec) ? body.spec : {};
  const resource = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nonResource = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (!resource === !nonResource) {
    throw new ApiStatusError(
      "Invalid",
      `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: ${
        resource ? '"resourceAttributes and nonResourceAttributes"' : '"null"'
      }: exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      { kind: "SelfSubjectAccessReview", group: "authorization.k8s.io" },
    );
  }
  let allowed = true;
  if (resource) {
    const sub = str(resource.subresource) || undefined;
    allowed = !denied(str(resource.verb), str(resource.group), str(resource.resource), sub);
  }
  const status = allowed
    ? { allowed: true, reason: "allowed by the simulator's permission rules" }
    : // RBAC gives no reason for a denial; kubectl then prints a bare "no".
      { allowed: false };
  return {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: now },
    spec,
    status,
  };
}
