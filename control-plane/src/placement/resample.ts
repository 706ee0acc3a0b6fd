/** One irregular sample. */
export interface Sample {
  /** Unix ms. */
  readonly at: number;
  readonly value: number;
}

/** A regular series: `values[i]` is the value at `start + i × stepMs`, NaN where unknown. */
export interface RegularSeries {
  readonly start: number;
  readonly stepMs: number;
  readonly values: Float64Array;
}

/**
 * Puts irregular samples (sorted by time) on a regular grid aligned to
 * multiples of `stepMs`: each grid point is interpolated linearly between the
 * samples on either side when both lie within `maxGapMs` of it, else NaN. So
 * a sample at 14:27 lands on 14:25 and 14:30 in proportion, a lost sample is
 * bridged, and a long outage stays a gap rather than an invented line.
 */
export function resample(
  samples: readonly Sample[],
  stepMs: number,
  maxGapMs = 3 * stepMs,
): RegularSeries {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) return { start: 0, stepMs, values: new Float64Array(0) };
  const start = Math.ceil(first.at / stepMs) * stepMs;
  const n = Math.max(0, Math.floor((last.at - start) / stepMs) + 1);
  const values = new Float64Array(n).fill(Number.NaN);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = start + i * stepMs;
    while (j + 1 < samples.length && (samples[j + 1] as Sample).at <= t) j++;
    const a = samples[j] as Sample;
    if (a.at === t) {
      values[i] = a.value;
      continue;
    }
    const b = samples[j + 1];
    if (!b || t - a.at > maxGapMs || b.at - t > maxGapMs) continue;
    values[i] = a.value + ((b.value - a.value) * (t - a.at)) / (b.at - a.at);
  }
  return { start, stepMs, values };
}
