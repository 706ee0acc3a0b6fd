/**
 * Discovery documents: `/version`, `/api`, `/api/v1`, `/apis`,
 * `/apis/<group>` and `/apis/<group>/<version>`, in the unaggregated JSON
 * form every client (client-node's KubernetesObjectApi, kubectl) accepts.
 */

import { subresourceVerbs } from "./aggregated-discovery.js";
import type { JsonObject } from "./kube-object.js";
import { apiVersionOf, type ResourceType } from "./resource-registry.js";
import type { ServedGroup, ServedKinds } from "./served-kinds.js";

/** The `/version` document for a gitVersion like "v1.31.4+k3s1". */
export function versionInfo(gitVersion: string, arch: string, now: number): JsonObject {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "31",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: new Date(now).toISOString().replace(/\.\d+Z$/, "Z"),
    goVersion: "go1.22.10",
    compiler: "gc",
    platform: `linux/${arch}`,
  };
}

/** `/api`. */
export function coreVersions(): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }],
  };
}

function groupDoc(g: ServedGroup): JsonObject {
  const versions = g.versions.map((version) => ({ groupVersion: `${g.name}/${version}`, version }));
  return { name: g.name, versions, preferredVersion: versions[0] };
}

/** `/apis`, without the groups the simulator hides (e.g. metrics.k8s.io when metrics-server is absent). */
export function groupList(kinds: ServedKinds, hidden: ReadonlySet<string>): JsonObject {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: kinds
      .groups()
      .filter((g) => !hidden.has(g.name))
      .map(groupDoc),
  };
}

/** `/apis/<group>`, or undefined for an unknown group. */
export function apiGroup(
  kinds: ServedKinds,
  group: string,
  hidden: ReadonlySet<string>,
): JsonObject | undefined {
  const g = kinds.groups().find((x) => x.name === group && !hidden.has(x.name));
  return g ? { kind: "APIGroup", apiVersion: "v1", ...groupDoc(g) } : undefined;
}

function subresourceKind(type: ResourceType, sub: string): JsonObject {
  if (sub === "proxy") return { kind: "NodeProxyOptions" };
  if (sub === "scale") return { kind: "Scale", group: "autoscaling", version: "v1" };
  return { kind: type.kind };
}

/** `/api/v1` or `/apis/<group>/<version>`, or undefined when not served. */
export function resourceList(
  kinds: ServedKinds,
  group: string,
  version: string,
  hidden: ReadonlySet<string>,
): JsonObject | undefined {
  if (hidden.has(group)) return undefined;
  const types = kinds.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const t of types) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
    });
    for (const sub of t.subresources ?? []) {
      resources.push({
        name: `${t.plural}/${sub}`,
        singularName: "",
        namespaced: t.namespaced,
        ...subresourceKind(t, sub),
        verbs: subresourceVerbs[sub] ?? ["get"],
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(types[0]!),
    resources,
  };
}
