import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binValueMs, HISTOGRAM_BINS, histogramBin, LatencyHistogram } from '../../src/health/index.js';

function trueQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('LatencyHistogram', () => {
  it('maps values to monotonic bins within range', () => {
    let last = -1;
    for (const ms of [0, 0.001, 0.015, 0.016, 1, 1.5, 10, 100, 1000, 60_000, 3_600_000, 1e9]) {
      const bin = histogramBin(ms);
      expect(bin).toBeGreaterThanOrEqual(last);
      expect(bin).toBeLessThan(HISTOGRAM_BINS);
      last = bin;
    }
    expect(histogramBin(-5)).toBe(0);
    expect(binValueMs(histogramBin(250))).toBeCloseTo(250, -1);
  });

  it('percentiles are ordered and within bucket precision of the true quantile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.05, max: 120_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        (values) => {
          const h = new LatencyHistogram();
          for (const v of values) h.record(v);
          const sorted = [...values].sort((a, b) => a - b);
          const p50 = h.quantile(0.5)!;
          const p95 = h.quantile(0.95)!;
          const p99 = h.quantile(0.99)!;
          expect(p50).toBeLessThanOrEqual(p95);
          expect(p95).toBeLessThanOrEqual(p99);
          for (const [q, got] of [
            [0.5, p50],
            [0.95, p95],
            [0.99, p99],
          ] as const) {
            const want = trueQuantile(sorted, q);
            expect(Math.abs(got - want)).toBeLessThanOrEqual(want / 16 + 0.001);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is empty before the first value', () => {
    expect(new LatencyHistogram().quantile(0.5)).toBeUndefined();
  });
});
