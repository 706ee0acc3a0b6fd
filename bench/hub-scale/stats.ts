import type { Bucket } from "./protocol.js";

/**
 * The q-quantile of the observations between two snapshots of a cumulative
 * Prometheus histogram, interpolated linearly inside its bucket (as
 * PromQL's histogram_quantile does). Returns the value and its bucket bounds.
 */
export function histogramQuantile(
  q: number,
  before: readonly Bucket[],
  after: readonly Bucket[],
): { value: number; lower: number; upper: number } | undefined {
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const b of counts) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return { value: lowerLe, lower: lowerLe, upper: b.le };
      const inBucket = b.count - lowerCount;
      const value = lowerLe + ((b.le - lowerLe) * (rank - lowerCount)) / (inBucket || 1);
      return { value, lower: lowerLe, upper: b.le };
    }
    lowerLe = b.le;
    lowerCount = b.count;
  }
  return undefined;
}

/** Human figures. */
export const fmt = {
  mb: (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`,
  s: (ms: number) => `${(ms / 1000).toFixed(1)} s`,
  us: (sec: number) =>
    sec < 1e-3 ? `${(sec * 1e6).toFixed(0)} µs` : `${(sec * 1e3).toFixed(2)} ms`,
  pct: (x: number) => `${x.toFixed(1)}%`,
};
