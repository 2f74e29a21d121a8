import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Backoff,
  ConstantBackoff,
  DecorrelatedJitterBackoff,
  ExponentialBackoff,
} from '../../src/core/index.js';

const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, 1e308),
);
const random = fc.oneof(fc.double({ min: 0, max: 1 }), fc.constantFrom(Number.NaN, -5, 2));

describe('backoff', () => {
  it('exponential without jitter: 1, 2, 4, 8, 8 s', () => {
    const b = new ExponentialBackoff({ jitter: 0 });
    expect([0, 1, 2, 3, 4].map((a) => b.delay(a, 0))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('decorrelated jitter is deterministic with an injected random source', () => {
    const b = new DecorrelatedJitterBackoff({ baseDelayMs: 100, maxDelayMs: 10_000, random: () => 0.5 });
    expect(b.delay(0, 0)).toBe(200);
    expect(b.delay(1, 200)).toBe(350);
  });

  it('rejects bad options naming the field', () => {
    expect(() => new ExponentialBackoff({ initialDelayMs: -1 })).toThrow(/initialDelayMs/);
    expect(() => new ConstantBackoff(Number.NaN)).toThrow(/delayMs/);
  });

  it('property: never NaN, negative or infinite, never above the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        random,
        anyNumber,
        anyNumber,
        (base, cap, factor, jitter, r, attempt, prev) => {
          const backoffs: Backoff[] = [
            new ExponentialBackoff({
              initialDelayMs: base,
              maxDelayMs: cap,
              factor,
              jitter,
              random: () => r,
            }),
            new DecorrelatedJitterBackoff({ baseDelayMs: base, maxDelayMs: cap, random: () => r }),
          ];
          for (const b of backoffs) {
            const d = b.delay(attempt, prev);
            expect(Number.isFinite(d)).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
            expect(d).toBeLessThanOrEqual(cap);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
