import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BreakerPermit, CircuitBreaker, type OutcomeKind } from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';

const kinds: OutcomeKind[] = [
  'success',
  'transient',
  'throttled',
  'timeout',
  'request',
  'account',
  'malformed',
  'aborted',
  'rejected',
];

const step = fc.oneof(
  fc.record({ op: fc.constant('acquire' as const) }),
  fc.record({
    op: fc.constant('record' as const),
    index: fc.nat(),
    kind: fc.constantFrom(...kinds),
    ms: fc.nat(5000),
  }),
  fc.record({ op: fc.constant('release' as const), index: fc.nat() }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ op: fc.constant('close' as const) }),
);

describe('circuit breaker properties', () => {
  it('random interleavings never leave it half-open without a live lease', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 80 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        async (steps, windowed, probes) => {
          const clock = new FakeClock();
          const breaker = new CircuitBreaker({
            clock,
            openDurationMs: 1000,
            probeLeaseMs: 3000,
            halfOpenProbes: probes,
            consecutiveFailures: 2,
            slowCallDurationMs: 2000,
            ...(windowed
              ? { window: { type: 'count', size: 5 }, minimumCalls: 2, slowCallRateThreshold: 0.5 }
              : {}),
          });
          let transitions = 0;
          breaker.onStateChange.on((e) => {
            transitions++;
            expect(e.from).not.toBe(e.to);
          });
          const permits: BreakerPermit[] = [];
          for (const s of steps) {
            if (s.op === 'acquire') {
              const p = breaker.tryAcquire();
              if (p.ok) permits.push(p);
              else expect(p.kind).toBe('rejected');
            } else if (s.op === 'record' && permits.length > 0) {
              permits[s.index % permits.length]!.record(s.kind, s.ms);
            } else if (s.op === 'release' && permits.length > 0) {
              permits[s.index % permits.length]!.release();
            } else if (s.op === 'advance') {
              await clock.advance(s.ms);
            } else if (s.op === 'close') {
              breaker.close();
            }
            const state = breaker.state;
            if (state === 'half-open') {
              const live = permits.filter((p) => p.isProbe && !p.settled && p.lease!.deadline > clock.now());
              expect(live.length).toBeGreaterThan(0);
            }
            const after = breaker.retryAfterMs();
            expect(after === undefined || (Number.isFinite(after) && after >= 0)).toBe(true);
          }
          expect(transitions).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
