/**
 * Eligibility of a table's nodes for one pod template, with a fast path for
 * what nearly every chart asks: at most an arch node selector, and nodes
 * without hard taints. Anything else takes the full match
 * ({@link nodeIneligibility}), so both give the same answer.
 */
import type { Node } from "@smart-orchestrator/shared";
import {
  ARCH_MASK,
  ARCH_SHIFT,
  archId,
  FLAGS,
  HARD_TAINT,
  type NodeTable,
  OTHER_ARCH,
  OTHER_TAINTS,
  READY,
  STRIDE,
  TAINTS_SHIFT,
  taintSet,
} from "./node-table.js";
import {
  allTolerated,
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
  // Per taint-set id: 1 tolerated, 2 not; a fleet has few distinct sets.
  let verdicts = new Uint8Array(8);
  const toleratedSet = (id: number): boolean => {
    if (id >= verdicts.length) {
      const grown = new Uint8Array(Math.max(id + 1, verdicts.length * 2));
      grown.set(verdicts);
      verdicts = grown;
    }
    let v = verdicts[id] as number;
    if (!v) {
      v = allTolerated(taintSet(id), tolerations) ? 1 : 2;
      verdicts[id] = v;
    }
    return v === 1;
  };
  return (t, i) => {
    const f = t.cells[t.at + i * STRIDE + FLAGS] as number;
    if (!(f & READY)) return false;
    if (want >= 0) {
      const id = (f >> ARCH_SHIFT) & ARCH_MASK;
      if (want === OTHER_ARCH ? t.arch[i] !== arch : id !== want) return false;
    }
    if (!(f & HARD_TAINT)) return true;
    const taints = f >> TAINTS_SHIFT;
    return taints === OTHER_TAINTS
      ? taintsTolerated(t.nodes[i] as Node, tolerations)
      : toleratedSet(taints);
  };
}
