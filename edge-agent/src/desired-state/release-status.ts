import { ReleaseHealth, ReleaseStatus } from "@smart-orchestrator/shared";
import type { DesiredRelease } from "./desired-release.js";
import type { ReleaseHealth as Health, RepairState } from "./drift-repairer.js";

const healths: Record<Health, ReleaseHealth> = {
  healthy: ReleaseHealth.RELEASE_HEALTH_HEALTHY,
  progressing: ReleaseHealth.RELEASE_HEALTH_PROGRESSING,
  degraded: ReleaseHealth.RELEASE_HEALTH_DEGRADED,
  unknown: ReleaseHealth.RELEASE_HEALTH_UNSPECIFIED,
};

/**
 * The ReleaseStatus the agent sends at every session start: each held
 * release with the revision it repairs to, and what the last drift checks
 * found and repaired, within the limits the hub checks.
 */
export function buildReleaseStatus(
  held: readonly DesiredRelease[],
  stateOf: (enablerId: string) => RepairState,
  now: number,
): ReleaseStatus {
  return ReleaseStatus.fromPartial({
    observedAtMs: now,
    releases: held.slice(0, 10_000).map((r) => {
      const s = stateOf(r.enablerId);
      return {
        release: r.release,
        enablerId: r.enablerId,
        namespace: r.namespace,
        revision: r.revision,
        appliedAtMs: r.appliedAtMs,
        health: healths[s.health],
        message: s.message.slice(0, 1024),
        repairs: s.repairs,
        lastRepairAtMs: s.lastRepairAtMs,
        lastRepaired: s.lastRepaired.slice(0, 100).map((w) => w.slice(0, 512)),
        checkedAtMs: s.checkedAtMs,
        skippedTestHooks: r.skippedTestHooks ?? 0,
      };
    }),
  });
}
