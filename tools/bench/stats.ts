/** Pure statistics for the bench: percentiles by linear interpolation between closest ranks. */

/**
 * The `p`-th percentile (0–100) of `xs`, interpolating linearly between the two closest ranks (the
 * numpy/Excel PERCENTILE.INC definition): p50 of [1, 2, 3, 4] is 2.5, p95 of 20 samples lies between
 * the 19th and 20th smallest. Throws on an empty list or a `p` outside 0–100.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new RangeError("percentile of an empty list");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);

/** Rounds to `digits` decimals (numbers in the JSON lines stay short). */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Monotonic milliseconds (process.hrtime), for durations only. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
