/**
 * The OpenAPI extensions of a field's merge strategy, built from the one
 * table of list strategies in @smart-orchestrator/shared (patch-strategies.ts),
 * which the edge agent's drift check reads too.
 */
import { listTypeOf, patchStrategyOf } from "@smart-orchestrator/shared";

/** The OpenAPI extensions a field carries for its strategy (none when it has none). */
export function patchExtensions(model: string, field: string): Record<string, unknown> {
  const s = patchStrategyOf(model, field);
  if (!s) return {};
  const list = listTypeOf(model, field);
  return {
    "x-kubernetes-patch-strategy": s.strategy,
    ...(s.mergeKey ? { "x-kubernetes-patch-merge-key": s.mergeKey } : {}),
    ...(list?.type === "map"
      ? { "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": list.keys }
      : list
        ? { "x-kubernetes-list-type": "set" }
        : {}),
  };
}
