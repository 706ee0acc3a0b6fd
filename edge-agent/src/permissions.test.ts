import { readFileSync } from "node:fs";
import test from "ava";
import { parseAllDocuments } from "yaml";
import { clusterPermissions, namespacePermissions } from "./permissions.js";

// The chart's RBAC is plain YAML apart from template expressions; blank those out and compare.
const text = readFileSync(
  new URL("../../charts/edge-agent/templates/rbac.yaml", import.meta.url),
  "utf8",
)
  .replace(/^\s*\{\{-?[^}]*\}\}\s*$/gm, "")
  .replace(/\{\{[^}]*\}\}/g, "x");
const docs = parseAllDocuments(text).map((d) => d.toJSON() as { kind: string; rules?: unknown[] });
const rulesOf = (kind: string) => docs.find((d) => d.kind === kind)?.rules;
const strip = (list: readonly object[]) =>
  list.map(({ why: _why, ...rule }: { why?: string }) => rule);

test("the chart's ClusterRole is exactly the documented cluster permissions", (t) => {
  t.deepEqual(rulesOf("ClusterRole"), strip(clusterPermissions));
});

test("the chart's Role is exactly the documented namespace permissions", (t) => {
  t.deepEqual(rulesOf("Role"), strip(namespacePermissions));
});

test("the agent never asks for nodes/proxy, secrets cluster-wide, or write access outside its Secret", (t) => {
  const all = [...clusterPermissions, ...namespacePermissions];
  t.false(all.some((p) => p.resources.includes("nodes/proxy")));
  t.false(clusterPermissions.some((p) => p.resources.includes("secrets")));
  const writes = all.filter((p) =>
    p.verbs.some((v) => ["create", "update", "patch", "delete"].includes(v)),
  );
  t.true(writes.every((p) => p.resources.every((r) => r === "secrets")));
});
