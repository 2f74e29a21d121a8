/**
 * O(1) call statistics for the circuit breaker: count-based and time-based sliding windows, both
 * ring buffers with running totals (no scan per call).
 * @packageDocumentation
 */

/** Running totals over a window. */
export interface WindowTotals {
  /** Calls recorded (failures, successes and slow successes). */
  readonly calls: number;
  /** Calls that counted as failures. */
  readonly failures: number;
  /** Calls slower than the slow-call threshold. */
  readonly slow: number;
}

/** A sliding window of call results. */
export interface CallWindow extends WindowTotals {
  /** Records one call at monotonic time `now`. */
  record(now: number, failed: boolean, slow: boolean): void;
  /** Drops results that fell out of the window by `now` (time-based only; count-based no-op). */
  advance(now: number): void;
  /** Forgets everything. */
  reset(): void;
}

const FAILED = 1;
const SLOW = 2;

/** The last `size` calls. An idle gap longer than `idleResetMs` (if set) forgets them. */
export class CountWindow implements CallWindow {
  calls = 0;
  failures = 0;
  slow = 0;
  private readonly ring: Uint8Array;
  private next = 0;
  private lastAt = Number.NEGATIVE_INFINITY;

  /** @param size - calls in the window @param idleResetMs - optional idle gap that forgets the window */
  constructor(
    readonly size: number,
    private readonly idleResetMs: number | undefined = undefined,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`window size must be an integer >= 1 (got ${size})`);
    this.ring = new Uint8Array(size);
  }

  record(now: number, failed: boolean, slow: boolean): void {
    this.advance(now);
    this.lastAt = now;
    const i = this.next;
    if (this.calls === this.size) {
      const old = this.ring[i]!;
      if (old & FAILED) this.failures--;
      if (old & SLOW) this.slow--;
    } else {
      this.calls++;
    }
    const flags = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    this.ring[i] = flags;
    if (failed) this.failures++;
    if (slow) this.slow++;
    this.next = i + 1 === this.size ? 0 : i + 1;
  }

  advance(now: number): void {
    if (this.idleResetMs !== undefined && this.calls > 0 && now - this.lastAt > this.idleResetMs)
      this.reset();
  }

  reset(): void {
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
    this.next = 0;
  }
}

/**
 * The calls of the last `windowMs`, in `bucketCount` buckets of `windowMs / bucketCount` each. A call
 * lands in the bucket of its time; advancing clears buckets that left the window (at most
 * `bucketCount` per advance, so O(1) for a fixed bucket count). After an idle gap longer than the
 * window, everything is forgotten.
 */
export class TimeWindow implements CallWindow {
  calls = 0;
  failures = 0;
  slow = 0;
  private readonly bucketMs: number;
  private readonly bucketCalls: Uint32Array;
  private readonly bucketFailures: Uint32Array;
  private readonly bucketSlow: Uint32Array;
  private currentIndex = Number.NEGATIVE_INFINITY;

  /** @param windowMs - window length @param bucketCount - resolution (default 10) */
  constructor(
    readonly windowMs: number,
    readonly bucketCount = 10,
  ) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs))
      throw new RangeError(`windowMs must be > 0 (got ${windowMs})`);
    if (!Number.isInteger(bucketCount) || bucketCount < 1) {
      throw new RangeError(`bucketCount must be an integer >= 1 (got ${bucketCount})`);
    }
    this.bucketMs = windowMs / bucketCount;
    this.bucketCalls = new Uint32Array(bucketCount);
    this.bucketFailures = new Uint32Array(bucketCount);
    this.bucketSlow = new Uint32Array(bucketCount);
  }

  record(now: number, failed: boolean, slow: boolean): void {
    this.advance(now);
    const b = this.currentIndex % this.bucketCount;
    this.bucketCalls[b]!++;
    this.calls++;
    if (failed) {
      this.bucketFailures[b]!++;
      this.failures++;
    }
    if (slow) {
      this.bucketSlow[b]!++;
      this.slow++;
    }
  }

  advance(now: number): void {
    const index = Math.floor(now / this.bucketMs);
    const current = this.currentIndex;
    if (index <= current) return;
    this.currentIndex = index;
    if (index - current >= this.bucketCount) {
      this.clearAll();
      return;
    }
    for (let i = current + 1; i <= index; i++) this.clearBucket(i % this.bucketCount);
  }

  reset(): void {
    this.clearAll();
  }

  private clearBucket(b: number): void {
    this.calls -= this.bucketCalls[b]!;
    this.failures -= this.bucketFailures[b]!;
    this.slow -= this.bucketSlow[b]!;
    this.bucketCalls[b] = 0;
    this.bucketFailures[b] = 0;
    this.bucketSlow[b] = 0;
  }

  private clearAll(): void {
    this.bucketCalls.fill(0);
    this.bucketFailures.fill(0);
    this.bucketSlow.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
  }
}
