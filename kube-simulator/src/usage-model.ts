/**
 * Deterministic, lazily computed "live" figures: CPU and memory in use,
 * cumulative network and CPU-time counters, filesystem use. Nothing runs on
 * a timer; every figure is a pure function of (seed, key, time), so a
 * cluster with no readers costs nothing and two reads at the same instant
 * agree.
 */

/** A 32-bit hash of a seed, a key and an integer step, mapped to [0, 1). */
export function unitHash(seed: number, key: string, step: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (step | 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Smooth value noise in [0, 1): random values at every `periodMs` step,
 * cosine-interpolated between steps, so figures drift rather than jump.
 */
export function smoothNoise(seed: number, key: string, ms: number, periodMs: number): number {
  const x = ms / periodMs;
  const step = Math.floor(x);
  const f = x - step;
  const a = unitHash(seed, key, step);
  const b = unitHash(seed, key, step + 1);
  const w = (1 - Math.cos(f * Math.PI)) / 2;
  return a * (1 - w) + b * w;
}

/**
 * A cumulative counter whose rate varies between 0.5× and 1.5× of
 * `meanPerSecond`, step by step. The rate of step k is
 * `mean × (1 + (h(k) − h(k−1)) / 2)`, so the sum over all earlier steps
 * telescopes and the counter is O(1) to compute at any time, yet strictly
 * increasing whenever the mean is positive.
 */
export function counterAt(
  seed: number,
  key: string,
  meanPerSecond: number,
  sinceMs: number,
  nowMs: number,
  stepMs = 10_000,
): number {
  const elapsed = Math.max(0, nowMs - sinceMs);
  const k = Math.floor(elapsed / stepMs);
  const within = (elapsed - k * stepMs) / 1000;
  const h = (i: number) => unitHash(seed, key, i);
  const stepSeconds = stepMs / 1000;
  const whole = meanPerSecond * stepSeconds * (k + (h(k - 1) - h(-1)) / 2);
  const rate = meanPerSecond * (1 + (h(k) - h(k - 1)) / 2);
  return Math.floor(whole + rate * within);
}
