import { gzipSync } from "node:zlib";
import { unpackObjects } from "./revision-store.js";

const deletePhases = new Set(["pre-delete", "post-delete"]);

/**
 * The pre-delete and post-delete Helm hooks of a stored revision, packed for
 * `Delete.hooks` (gzipped JSON, as `Apply.objects`): the agent has no
 * renderer, so the control plane sends the hooks the release was rendered
 * with. Empty when the revision has none (the agent then runs none, or those
 * of the revision it holds).
 */
export function deleteHooksOf(objectsGz: Buffer | undefined): Buffer {
  if (!objectsGz) return Buffer.alloc(0);
  const hooks = unpackObjects(objectsGz).filter((o) => {
    const tag = (o.metadata as { annotations?: Record<string, unknown> }).annotations?.[
      "helm.sh/hook"
    ];
    return (
      typeof tag === "string" && tag.split(",").some((phase) => deletePhases.has(phase.trim()))
    );
  });
  return hooks.length > 0 ? gzipSync(JSON.stringify(hooks)) : Buffer.alloc(0);
}
