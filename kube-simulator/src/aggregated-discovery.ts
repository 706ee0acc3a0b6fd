/**
 * Aggregated discovery (`apidiscovery.k8s.io/v2` APIGroupDiscoveryList):
 * `/api` and `/apis` answer with every group, version and resource in one
 * document when the client asks for it in Accept, as kubectl and client-go
 * do first; without it they fall back to one request per group-version.
 * Built from the same served kinds as the unaggregated documents.
 */
import type { JsonObject } from "./kube-object.js";
import type { ResourceType } from "./resource-registry.js";
import type { ServedKinds } from "./served-kinds.js";

/** The media type of an aggregated answer; the client reads the answer's kind from it. */
export const aggregatedMediaType =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** True when Accept asks for the v2 aggregated form (parameters in any order). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) => {
    const params = new Set(part.split(";").map((p) => p.trim()));
    return (
      params.has("as=APIGroupDiscoveryList") &&
      params.has("g=apidiscovery.k8s.io") &&
      params.has("v=v2")
    );
  });
}

/** The verbs of each subresource kind, as discovery lists them. */
export const subresourceVerbs: Readonly<Record<string, readonly string[]>> = {
  status: ["get", "patch", "update"],
  scale: ["get", "patch", "update"],
  proxy: ["create", "delete", "get", "patch", "update"],
};

function responseKind(t: ResourceType, sub?: string): JsonObject {
  if (sub === "scale") return { group: "autoscaling", version: "v1", kind: "Scale" };
  if (sub === "proxy") return { group: "", version: "v1", kind: "NodeProxyOptions" };
  return { group: t.group, version: t.version, kind: t.kind };
}

function resource(t: ResourceType): JsonObject {
  return {
    resource: t.plural,
    responseKind: responseKind(t),
    scope: t.namespaced ? "Namespaced" : "Cluster",
    singularResource: t.singular,
    verbs: t.verbs,
    ...(t.shortNames ? { shortNames: t.shortNames } : {}),
    ...(t.categories ? { categories: t.categories } : {}),
    ...(t.subresources?.length
      ? {
          subresources: t.subresources.map((sub) => ({
            subresource: sub,
            responseKind: responseKind(t, sub),
            verbs: subresourceVerbs[sub] ?? ["get"],
          })),
        }
      : {}),
  };
}

/** `/api` (core: true) or `/apis` in the aggregated form, without hidden groups. */
export function aggregatedDiscovery(
  kinds: ServedKinds,
  core: boolean,
  hidden: ReadonlySet<string>,
): JsonObject {
  const all = kinds.all();
  const groups = core
    ? [{ name: "", versions: ["v1"] }]
    : kinds.groups().filter((g) => !hidden.has(g.name));
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups.map((g) => ({
      metadata: g.name ? { name: g.name } : {},
      versions: g.versions.map((version) => ({
        version,
        resources: all.filter((t) => t.group === g.name && t.version === version).map(resource),
        freshness: "Current",
      })),
    })),
  };
}
