/**
 * Where a pod may run: its node selector, its required node affinity and its
 * tolerations, matched against reported nodes as the Kubernetes scheduler
 * matches them (NodeAffinity and TaintToleration filters).
 */
import type { Node, Taint } from "@smart-orchestrator/shared";

/** One `matchExpressions` / `matchFields` entry. */
export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
}

/** One term of `requiredDuringSchedulingIgnoredDuringExecution`: every requirement must hold. */
export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
  readonly matchFields: readonly NodeSelectorRequirement[];
}

/** A pod toleration. */
export interface Toleration {
  readonly key: string;
  readonly operator: string;
  readonly value: string;
  readonly effect: string;
}

/** The node constraints of one pod template. */
export interface PodConstraints {
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** The node selector as pairs, read once rather than enumerated for every node. */
  readonly selectorPairs: readonly (readonly [string, string])[];
  /** Terms ORed together; empty means no required affinity. */
  readonly affinityTerms: readonly NodeSelectorTerm[];
  readonly tolerations: readonly Toleration[];
}

/** The label the architecture is matched on; reports also carry it as `architecture`. */
export const archLabel = "kubernetes.io/arch";

type Obj = Readonly<Record<string, unknown>>;

/** Reads the constraints of a pod spec, ignoring malformed entries as the API server would reject them. */
export function readConstraints(podSpec: Obj): PodConstraints {
  const nodeSelector: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(podSpec.nodeSelector))) {
    if (typeof v === "string") nodeSelector[k] = v;
  }
  const required = obj(
    obj(obj(podSpec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution,
  );
  const affinityTerms = arr(required.nodeSelectorTerms).map((t) => ({
    matchExpressions: arr(obj(t).matchExpressions).map(requirement),
    matchFields: arr(obj(t).matchFields).map(requirement),
  }));
  const tolerations = arr(podSpec.tolerations).map((t) => {
    const o = obj(t);
    return {
      key: str(o.key),
      operator: str(o.operator) || "Equal",
      value: str(o.value),
      effect: str(o.effect),
    };
  });
  return { nodeSelector, selectorPairs: Object.entries(nodeSelector), affinityTerms, tolerations };
}

/** A node's labels with `kubernetes.io/arch` filled from the report when the label is missing. */
function labelOf(node: Node, key: string): string | undefined {
  const v = node.labels[key];
  if (v !== undefined) return v;
  if (key === archLabel && node.architecture) return node.architecture;
  return undefined;
}

/**
 * Why a pod with these constraints cannot run on `node`, or undefined when it
 * can (resources aside). Reasons are short and name the failing rule. With
 * `explain` false the reason is only {@link ineligible}, which spares building
 * strings when a decision needs only the yes or no.
 */
export function nodeIneligibility(
  node: Node,
  c: PodConstraints,
  explain = true,
): string | undefined {
  // Plain loops: this runs for every node of every cluster in a decision.
  if (!node.ready) return "not Ready";
  for (let i = 0; i < c.selectorPairs.length; i++) {
    const [k, v] = c.selectorPairs[i] as readonly [string, string];
    const has = labelOf(node, k);
    if (has === v) continue;
    return explain
      ? `node selector ${k}=${v} not matched (node has ${has ?? "no such label"})`
      : ineligible;
  }
  if (c.affinityTerms.length) {
    let any = false;
    for (const t of c.affinityTerms) if (termMatches(node, t)) any = true;
    if (!any)
      return explain ? `required node affinity not matched${archHint(node, c)}` : ineligible;
  }
  for (const taint of node.taints) {
    if (tolerated(taint, c.tolerations)) continue;
    return explain
      ? `taint ${taint.key}${taint.value ? `=${taint.value}` : ""}:${taint.effect} not tolerated`
      : ineligible;
  }
  return undefined;
}

/** The reason {@link nodeIneligibility} gives when not asked to explain. */
export const ineligible = "ineligible";

function archHint(node: Node, c: PodConstraints): string {
  const mentions = c.affinityTerms.some((t) => t.matchExpressions.some((r) => r.key === archLabel));
  return mentions ? ` (node is ${labelOf(node, archLabel) ?? "of unknown arch"})` : "";
}

function termMatches(node: Node, term: NodeSelectorTerm): boolean {
  // An empty term matches nothing, as in Kubernetes.
  if (!term.matchExpressions.length && !term.matchFields.length) return false;
  return (
    term.matchExpressions.every((r) => requirementHolds(labelOf(node, r.key), r)) &&
    term.matchFields.every((r) => r.key === "metadata.name" && requirementHolds(node.name, r))
  );
}

function requirementHolds(value: string | undefined, r: NodeSelectorRequirement): boolean {
  switch (r.operator) {
    case "In":
      return value !== undefined && r.values.includes(value);
    case "NotIn":
      return value === undefined || !r.values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const n = Number.parseInt(value ?? "", 10);
      const bound = Number.parseInt(r.values[0] ?? "", 10);
      if (Number.isNaN(n) || Number.isNaN(bound)) return false;
      return r.operator === "Gt" ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

/** Only NoSchedule and NoExecute taints keep a pod off; PreferNoSchedule is a preference. */
function tolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  if (taint.effect === "PreferNoSchedule") return true;
  // A plain loop: `some` with a closure allocated one per tainted node per decision.
  for (let i = 0; i < tolerations.length; i++) {
    const t = tolerations[i] as Toleration;
    if (t.effect && t.effect !== taint.effect) continue;
    if (
      t.operator === "Exists"
        ? !t.key || t.key === taint.key
        : t.key === taint.key && t.value === taint.value
    )
      return true;
  }
  return false;
}

/** True when every taint of `node` that keeps pods off is tolerated. */
export function taintsTolerated(node: Node, tolerations: readonly Toleration[]): boolean {
  return allTolerated(node.taints, tolerations);
}

/** True when every one of `taints` that keeps pods off is tolerated. */
export function allTolerated(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): boolean {
  for (let i = 0; i < taints.length; i++)
    if (!tolerated(taints[i] as Taint, tolerations)) return false;
  return true;
}

function requirement(raw: unknown): NodeSelectorRequirement {
  const o = obj(raw);
  return {
    key: str(o.key),
    operator: str(o.operator),
    values: arr(o.values).filter((v): v is string => typeof v === "string"),
  };
}

function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}
