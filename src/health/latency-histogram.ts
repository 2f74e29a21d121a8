/**
 * A fixed-size log-linear latency histogram (HDR-like): 16 linear sub-buckets per power of two over
 * integer microseconds, from 0 µs to ~71 minutes, in 464 counters. Recording is one `clz32` and an
 * increment; a percentile is one walk over the counters; nothing is ever sorted or grows.
 * The representative value of a bin (its midpoint) is within 1/32 (≈3 %) of any value in it.
 * @packageDocumentation
 */

const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
const MAX_US = 0xffff_ffff;

/** Number of counters in one histogram. */
export const HISTOGRAM_BINS = SUB + (32 - SUB_BITS) * SUB;

/** Bin index for a latency in milliseconds (negative and NaN count as 0; huge values clamp). */
export function histogramBin(ms: number): number {
  const us = ms > 0 ? (ms >= MAX_US / 1000 ? MAX_US : Math.round(ms * 1000)) : 0;
  if (us < SUB) return us;
  const exp = 31 - Math.clz32(us);
  return SUB + (exp - SUB_BITS) * SUB + ((us >>> (exp - SUB_BITS)) & (SUB - 1));
}

/** Representative value (ms) of a bin: the midpoint of the integer microseconds it covers. */
export function binValueMs(bin: number): number {
  if (bin < SUB) return bin / 1000;
  const octave = Math.floor((bin - SUB) / SUB);
  const sub = (bin - SUB) % SUB;
  const width = 2 ** octave;
  const lower = (SUB + sub) * width;
  return (lower + (width - 1) / 2) / 1000;
}

/**
 * The `q` quantile (0 < q ≤ 1, nearest-rank) of the histogram stored at `counts[offset..offset+BINS)`
 * holding `total` values; `undefined` when empty.
 */
export function histogramQuantile(
  counts: Uint32Array,
  offset: number,
  total: number,
  q: number,
): number | undefined {
  if (total <= 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < HISTOGRAM_BINS; i++) {
    seen += counts[offset + i]!;
    if (seen >= rank) return binValueMs(i);
  }
  return binValueMs(HISTOGRAM_BINS - 1);
}

/** A standalone histogram (the health monitor embeds the same layout in its ring buffers). */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(HISTOGRAM_BINS);
  private total = 0;

  /** Number of recorded values. */
  get count(): number {
    return this.total;
  }

  /** Records one latency in ms. O(1), no allocation. */
  record(ms: number): void {
    this.counts[histogramBin(ms)]!++;
    this.total++;
  }

  /** The `q` quantile in ms (0 < q ≤ 1), `undefined` when empty. */
  quantile(q: number): number | undefined {
    return histogramQuantile(this.counts, 0, this.total, q);
  }

  /** Forgets everything. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
