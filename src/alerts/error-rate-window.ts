/**
 * Sliding-window request/error counts in a fixed ring of time buckets: `record` and `snapshot` are O(1)
 * (a fixed number of buckets), with no allocation after construction.
 * @packageDocumentation
 */

/** Counts in the current window. */
export interface ErrorRateSnapshot {
  readonly total: number;
  readonly errors: number;
  /** `errors / total`, or 0 when there were no requests. */
  readonly rate: number;
}

/** One model's requests and errors over the last `windowMs` (bucket granularity `windowMs / buckets`). */
export class ErrorRateWindow {
  private readonly width: number;
  private readonly totals: Float64Array;
  private readonly errors: Float64Array;
  /** Absolute bucket index each slot currently holds (-1 = empty). */
  private readonly epochs: Float64Array;

  constructor(
    windowMs: number,
    private readonly buckets = 10,
  ) {
    this.width = Math.max(1, windowMs / buckets);
    this.totals = new Float64Array(buckets);
    this.errors = new Float64Array(buckets);
    this.epochs = new Float64Array(buckets).fill(-1);
  }

  /** Records one request at monotonic time `now`. */
  record(now: number, failed: boolean): void {
    const epoch = Math.floor(now / this.width);
    const slot = epoch % this.buckets;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.totals[slot] = 0;
      this.errors[slot] = 0;
    }
    this.totals[slot]! += 1;
    if (failed) this.errors[slot]! += 1;
  }

  /** Counts over the window ending at `now`. */
  snapshot(now: number): ErrorRateSnapshot {
    const current = Math.floor(now / this.width);
    let total = 0;
    let errors = 0;
    for (let i = 0; i < this.buckets; i++) {
      const epoch = this.epochs[i]!;
      if (epoch > current - this.buckets && epoch <= current) {
        total += this.totals[i]!;
        errors += this.errors[i]!;
      }
    }
    return { total, errors, rate: total === 0 ? 0 : errors / total };
  }
}
