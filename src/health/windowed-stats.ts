/**
 * Sliding-window call statistics for one model: a ring of time buckets with running totals, plus
 * latency and TTFT histograms per bucket with running total histograms. Recording is O(1) with no
 * allocation; an expired bucket is subtracted from the totals when the ring advances over it.
 * @packageDocumentation
 */
import { HISTOGRAM_BINS, histogramBin, histogramQuantile } from './latency-histogram.js';

const SUCCESS = 0;
const FAILURE = 1;
const NEUTRAL = 2;

/** What a recorded result counts as. */
export type ResultClass = typeof SUCCESS | typeof FAILURE | typeof NEUTRAL;
/** Result classes. */
export const ResultClass = { success: SUCCESS, failure: FAILURE, neutral: NEUTRAL } as const;

/** Windowed counters for one model. */
export class WindowedStats {
  private readonly bucketMs: number;
  private readonly n: number;
  private epoch = Number.NEGATIVE_INFINITY;
  private bucket = 0;
  private readonly counts: Uint32Array;
  private readonly latency: Uint32Array;
  private readonly ttft: Uint32Array;
  private readonly latencyCounts: Uint32Array;
  private readonly ttftCounts: Uint32Array;
  /** Successes in the window. */
  successes = 0;
  /** Failures in the window. */
  failures = 0;
  /** Neutral results (aborted, request, rejected) in the window. */
  neutral = 0;
  /** Latency samples in the window. */
  latencySamples = 0;
  /** TTFT samples in the window. */
  ttftSamples = 0;

  /** @param windowMs - window length; @param buckets - ring size (resolution = window / buckets) */
  constructor(windowMs: number, buckets: number) {
    this.n = buckets;
    this.bucketMs = Math.max(1, windowMs / buckets);
    this.counts = new Uint32Array(buckets * 3);
    this.latency = new Uint32Array((buckets + 1) * HISTOGRAM_BINS);
    this.ttft = new Uint32Array((buckets + 1) * HISTOGRAM_BINS);
    this.latencyCounts = new Uint32Array(buckets);
    this.ttftCounts = new Uint32Array(buckets);
  }

  /**
   * Moves the ring to `now`, expiring buckets older than the window.
   * @returns true when at least one bucket boundary was crossed
   */
  advance(now: number): boolean {
    const epoch = Math.floor(now / this.bucketMs);
    if (epoch <= this.epoch) return false;
    if (epoch - this.epoch >= this.n) {
      this.clear();
    } else {
      for (let e = this.epoch + 1; e <= epoch; e++) this.expire(e % this.n);
    }
    this.epoch = epoch;
    this.bucket = epoch % this.n;
    return true;
  }

  /** Records one result in the current bucket (call {@link WindowedStats.advance} first). */
  add(cls: ResultClass, latencyMs: number, ttftMs: number | undefined): void {
    const b = this.bucket;
    this.counts[b * 3 + cls]!++;
    if (cls === SUCCESS) this.successes++;
    else if (cls === FAILURE) this.failures++;
    else this.neutral++;
    if (latencyMs >= 0 && cls !== NEUTRAL) {
      const bin = histogramBin(latencyMs);
      this.latency[b * HISTOGRAM_BINS + bin]!++;
      this.latency[this.n * HISTOGRAM_BINS + bin]!++;
      this.latencyCounts[b]!++;
      this.latencySamples++;
    }
    if (ttftMs !== undefined && ttftMs >= 0) {
      const bin = histogramBin(ttftMs);
      this.ttft[b * HISTOGRAM_BINS + bin]!++;
      this.ttft[this.n * HISTOGRAM_BINS + bin]!++;
      this.ttftCounts[b]!++;
      this.ttftSamples++;
    }
  }

  /** Latency quantile over the window (ms), `undefined` without samples. */
  latencyQuantile(q: number): number | undefined {
    return histogramQuantile(this.latency, this.n * HISTOGRAM_BINS, this.latencySamples, q);
  }

  /** TTFT quantile over the window (ms), `undefined` without samples. */
  ttftQuantile(q: number): number | undefined {
    return histogramQuantile(this.ttft, this.n * HISTOGRAM_BINS, this.ttftSamples, q);
  }

  /** Forgets everything. */
  clear(): void {
    this.counts.fill(0);
    this.latency.fill(0);
    this.ttft.fill(0);
    this.latencyCounts.fill(0);
    this.ttftCounts.fill(0);
    this.successes = 0;
    this.failures = 0;
    this.neutral = 0;
    this.latencySamples = 0;
    this.ttftSamples = 0;
  }

  private expire(b: number): void {
    const c = this.counts;
    this.successes -= c[b * 3]!;
    this.failures -= c[b * 3 + 1]!;
    this.neutral -= c[b * 3 + 2]!;
    c[b * 3] = 0;
    c[b * 3 + 1] = 0;
    c[b * 3 + 2] = 0;
    if (this.latencyCounts[b]! > 0) {
      this.latencySamples -= this.latencyCounts[b]!;
      this.latencyCounts[b] = 0;
      subtractBucket(this.latency, b, this.n);
    }
    if (this.ttftCounts[b]! > 0) {
      this.ttftSamples -= this.ttftCounts[b]!;
      this.ttftCounts[b] = 0;
      subtractBucket(this.ttft, b, this.n);
    }
  }
}

function subtractBucket(h: Uint32Array, b: number, n: number): void {
  const from = b * HISTOGRAM_BINS;
  const total = n * HISTOGRAM_BINS;
  for (let i = 0; i < HISTOGRAM_BINS; i++) {
    const v = h[from + i]!;
    if (v !== 0) {
      h[total + i]! -= v;
      h[from + i] = 0;
    }
  }
}
