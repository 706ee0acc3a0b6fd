/**
 * Eligibility of a table's nodes for one pod template, with a fast path for
 * what nearly every chart asks: at most an arch node selector, and nodes
 * without hard taints. Anything else takes the full match
 * ({@link nodeIneligibility}), so both give the same answer.
 */
import type { Node } from "@smart-orchestrator/shared";
import {
  ARCH_SHIFT,
  archId,
  FLAGS,
  HARD_TAINT,
  type NodeTable,
  OTHER_ARCH,
  READY,
  STRIDE,
} from "./node-table.js";
import {
  archLabel,
  nodeIneligibility,
  type PodConstraints,
  taintsTolerated,
} from "./pod-constraints.js";

/** Whether node `i` of table `t` can run the pod, resources aside. */
export type EligibleNode = (t: NodeTable, i: number) => boolean;

// Per constraints object: built once per decision, shared by every cluster in it.
const compiled = new WeakMap<PodConstraints, EligibleNode>();

/** The eligibility test for pods with constraints `c`. */
export function eligibleNode(c: PodConstraints): EligibleNode {
  let test = compiled.get(c);
  if (!test) {
    test = compile(c);
    compiled.set(c, test);
  }
  return test;
}

/**
 * True when the constraints ask at most for an arch (by node selector): then
 * a Ready node without hard taints is eligible, or not, by its arch alone.
 */
export function archOnly(c: PodConstraints): boolean {
  return !c.affinityTerms.length && c.selectorPairs.every(([k]) => k === archLabel);
}

function compile(c: PodConstraints): EligibleNode {
  const full: EligibleNode = (t, i) =>
    nodeIneligibility(t.nodes[i] as Node, c, false) === undefined;
  if (!archOnly(c)) return full;
  const arch = c.selectorPairs[0]?.[1];
  const tolerations = c.tolerations;
  const want = arch === undefined ? -1 : archId(arch);
  return (t, i) => {
    const f = t.cells[i * STRIDE + FLAGS] as number;
    if (!(f & READY)) return false;
    if (want >= 0) {
      const id = f >> ARCH_SHIFT;
      if (want === OTHER_ARCH ? t.arch[i] !== arch : id !== want) return false;
    }
    return !(f & HARD_TAINT) || taintsTolerated(t.nodes[i] as Node, tolerations);
  };
}
