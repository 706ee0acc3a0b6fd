import { readFileSync } from "node:fs";
import test from "ava";
import { parseAllDocuments } from "yaml";
import { clusterPermissions, deployPermissions, namespacePermissions } from "./permissions.js";

// The chart's RBAC is plain YAML apart from template expressions; blank those out and compare.
function docsOf(file: string) {
  const text = readFileSync(
    new URL(`../../charts/edge-agent/templates/${file}`, import.meta.url),
    "utf8",
  )
    .replace(/^\s*\{\{-?[^}]*\}\}\s*$/gm, "")
    .replace(/\{\{[^}]*\}\}/g, "x");
  return parseAllDocuments(text).map((d) => d.toJSON() as { kind: string; rules?: unknown[] });
}
const inventory = docsOf("rbac.yaml");
const deploy = docsOf("rbac-deploy.yaml");
const rulesOf = (docs: typeof inventory, kind: string) => docs.find((d) => d.kind === kind)?.rules;
const strip = (list: readonly object[]) =>
  list.map(({ why: _why, ...rule }: { why?: string }) => rule);

test("the chart's inventory ClusterRole is exactly the documented cluster permissions", (t) => {
  t.deepEqual(rulesOf(inventory, "ClusterRole"), strip(clusterPermissions));
});

test("the chart's Role is exactly the documented namespace permissions", (t) => {
  t.deepEqual(rulesOf(inventory, "Role"), strip(namespacePermissions));
});

test("the chart's deploy ClusterRole is exactly the documented deploy permissions, in its own file", (t) => {
  t.deepEqual(rulesOf(deploy, "ClusterRole"), strip(deployPermissions));
  t.is(deploy.filter((d) => d.kind === "ClusterRole").length, 1);
  t.is(deploy.filter((d) => d.kind === "ClusterRoleBinding").length, 1);
  const source = readFileSync(
    new URL("../../charts/edge-agent/templates/rbac-deploy.yaml", import.meta.url),
    "utf8",
  );
  t.true(source.startsWith("{{- if .Values.deployRole }}"), "the deploy role can be left out");
});

test("the inventory role never asks for nodes/proxy, secrets cluster-wide, or write access outside its Secret", (t) => {
  const all = [...clusterPermissions, ...namespacePermissions];
  t.false(all.some((p) => p.resources?.includes("nodes/proxy")));
  t.false(clusterPermissions.some((p) => p.resources?.includes("secrets")));
  const writes = all.filter((p) =>
    p.verbs.some((v) => ["create", "update", "patch", "delete", "*"].includes(v)),
  );
  t.true(writes.every((p) => (p.resources ?? []).every((r) => r === "secrets")));
});
