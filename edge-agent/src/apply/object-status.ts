import { type ObjectAction, ObjectStatus } from "@smart-orchestrator/shared";
import { describeRef } from "./object-apply.js";
import { groupOf, type ObjectRef } from "./object-client.js";
import type { WaitState } from "./readiness-waiter.js";

/** A timeout for messages: "5m", "0.4s". */
export const formatMs = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/** An ObjectStatus for the wire (message capped at 1024 characters). */
export function status(
  ref: ObjectRef,
  action: ObjectAction,
  ready: boolean,
  message = "",
): ObjectStatus {
  return ObjectStatus.fromPartial({
    group: groupOf(ref.apiVersion),
    kind: ref.kind,
    namespace: ref.namespace ?? "",
    name: ref.name,
    action,
    ready,
    message: message.slice(0, 1024),
  });
}

/** "Deployment ns/web (why), ..." for failure messages, capped at `max` characters. */
export function summary(states: readonly WaitState[], max = 4000): string {
  let out = states.map((s) => `${describeRef(s.ref)} (${s.message})`).join(", ");
  if (out.length > max) out = `${out.slice(0, max - 1)}…`;
  return out;
}
