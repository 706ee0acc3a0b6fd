/**
 * Whether `live` holds every field `desired` sets, with the same value.
 * Fields the desired object leaves out (server defaults, status, fields
 * other managers own, such as an HPA's replicas) are not looked at: only
 * what the agent applies can drift.
 */
export function holdsDesired(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((d, i) => holdsDesired(d, live[i]));
  }
  if (typeof desired === "object" && desired !== null) {
    if (typeof live !== "object" || live === null || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(desired).every(
      ([k, v]) => v === undefined || v === null || holdsDesired(v, l[k]),
    );
  }
  // Quantities and ports may come back in another spelling ("1" vs 1); that apply is a no-op.
  return desired === live || String(desired) === String(live);
}
