import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Call,
  type Chain,
  circuitBreaker,
  constantBackoff,
  fallback,
  type Outcome,
  pipeline,
  retry,
  type Stage,
  timeout,
  type UserFn,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';
import { drive } from './drive.js';

/** A stage that is not fast: every stage inside it runs through its own `invoke`. */
const passThrough: Stage = {
  invoke: <T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> => next.run<T>(call, fn),
  describeSelf: () => ({ name: 'pass-through' }),
};

type Kind = 'retry' | 'timeout' | 'aggressive' | 'breaker' | 'fallback' | 'timed-breaker';
const build = (kind: Kind, clock: FakeClock): Stage => {
  switch (kind) {
    case 'retry':
      return retry({ clock, maxRetries: 2, backoff: constantBackoff(5) });
    case 'timeout':
      return timeout({ timeoutMs: 30, clock });
    case 'aggressive':
      return timeout({ timeoutMs: 30, clock, strategy: 'aggressive' });
    case 'breaker':
      return circuitBreaker({ clock, consecutiveFailures: 2, openDurationMs: 50 });
    case 'timed-breaker':
      return circuitBreaker({
        clock,
        window: { type: 'count', size: 4 },
        minimumCalls: 2,
        slowCallDurationMs: 20,
        slowCallRateThreshold: 0.5,
      });
    case 'fallback':
      return fallback('substitute');
  }
};

const stepArb = fc.record({
  result: fc.constantFrom('ok', 'throw', 'abort-error'),
  delayMs: fc.constantFrom(0, 10, 40),
});

async function runScenario(kinds: Kind[], script: { result: string; delayMs: number }[], fused: boolean) {
  const clock = new FakeClock();
  const stages = kinds.map((k) => build(k, clock));
  const p = fused ? pipeline(...stages) : pipeline(...stages.flatMap((s) => [passThrough, s]));
  const log: string[] = [];
  let i = 0;
  const fn = async (ctx: { attempt: number }) => {
    const step = script[i++ % script.length]!;
    log.push(`call ${ctx.attempt} at ${clock.now()}`);
    if (step.delayMs > 0) await new Promise<void>((r) => clock.setTimer(r, step.delayMs));
    if (step.result === 'throw') throw new Error('boom');
    if (step.result === 'abort-error') throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    return `value ${i}`;
  };
  const outcomes: unknown[] = [];
  for (let n = 0; n < 3; n++) {
    const out = await drive(clock, p.executeOutcome(fn));
    outcomes.push(out.ok ? out.value : out.kind);
    log.push(`end at ${clock.now()}`);
  }
  return { outcomes, log };
}

describe('fused fast path vs each stage on its own invoke path (generated differential test)', () => {
  it('cannot diverge: same outcomes, same calls at the same times', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.constantFrom<Kind>('retry', 'timeout', 'aggressive', 'breaker', 'fallback', 'timed-breaker'),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.array(stepArb, { minLength: 1, maxLength: 6 }),
        async (kinds, script) => {
          const fused = await runScenario(kinds, script, true);
          const separate = await runScenario(kinds, script, false);
          expect(separate).toEqual(fused);
        },
      ),
      { numRuns: 150 },
    );
  });
});
