import { describe, expect, it } from 'vitest';
import {
  ConstantBackoff,
  failure,
  type GiveUpEvent,
  RetryBudget,
  type RetryEvent,
  RetryExhaustedError,
  RetryPolicy,
  success,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';
import { drive } from './drive.js';

describe('retry', () => {
  it('defaults follow BIP-03: 3 retries at about 1, 2, 4 s (±20 %)', async () => {
    const clock = new FakeClock();
    const r = new RetryPolicy({ clock });
    const delays: number[] = [];
    r.onRetry.on((e: RetryEvent) => delays.push(e.delayMs));
    let calls = 0;
    const p = r.run(() => {
      calls++;
      return failure('transient', new Error('x'));
    });
    const out = await drive(clock, p);
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
    [1000, 2000, 4000].forEach((base, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(base * 0.8);
      expect(delays[i]).toBeLessThanOrEqual(base * 1.2);
    });
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.kind).toBe('transient');
      expect(out.error).toBeInstanceOf(RetryExhaustedError);
      expect((out.error as RetryExhaustedError).attempts).toBe(4);
    }
  });

  it('does not retry non-retryable kinds and passes the attempt number', async () => {
    const clock = new FakeClock();
    const r = new RetryPolicy({ clock });
    const attempts: number[] = [];
    const out = await r.run((ctx) => {
      attempts.push(ctx.attempt);
      return failure('request', new Error('bad'));
    });
    expect(attempts).toEqual([0]);
    expect(!out.ok && out.kind).toBe('request');
  });

  it('server-advised retryAfterMs wins, clamped to maxRetryAfterMs; throttled uses its own backoff', () => {
    const r = new RetryPolicy({
      backoff: new ConstantBackoff(10),
      throttledBackoff: new ConstantBackoff(500),
      maxRetryAfterMs: 5000,
    });
    expect(r.delayFor(failure('throttled', null, 3000), 0, 0)).toBe(3000);
    expect(r.delayFor(failure('throttled', null, 99_000), 0, 0)).toBe(5000);
    expect(r.delayFor(failure('throttled', null), 0, 0)).toBe(500);
    expect(r.delayFor(failure('transient', null), 0, 0)).toBe(10);
  });

  it('an abort during the backoff sleep returns aborted at once and makes no further attempt', async () => {
    const clock = new FakeClock();
    const r = new RetryPolicy({ clock, backoff: new ConstantBackoff(10_000) });
    const ac = new AbortController();
    let calls = 0;
    const p = r.run(
      () => {
        calls++;
        return failure('transient', new Error('x'));
      },
      { signal: ac.signal },
    );
    await clock.advance(100);
    ac.abort();
    const out = await p;
    expect(!out.ok && out.kind).toBe('aborted');
    await clock.runAll();
    expect(calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('succeeds after a retry', async () => {
    const clock = new FakeClock();
    const r = new RetryPolicy({ clock, backoff: new ConstantBackoff(5) });
    let n = 0;
    const p = r.execute(() => {
      if (n++ === 0) throw new Error('first');
      return 'ok';
    });
    expect(await drive(clock, p)).toBe('ok');
  });

  it('a shared budget stops retries when low and refills on success; onGiveUp fires', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({
      maxTokens: 4,
      minTokens: 2,
      failureCost: 1,
      retryCost: 1,
      successRefill: 1,
    });
    const r = new RetryPolicy({ clock, budget, backoff: new ConstantBackoff(1) });
    const giveUps: GiveUpEvent[] = [];
    r.onGiveUp.on((e) => giveUps.push(e));
    let calls = 0;
    const p = r.run(() => {
      calls++;
      return failure('transient', new Error('x'));
    });
    const out = await drive(clock, p);
    // tokens 4: fail→3, retry→2, fail→1, no retry (1-1 < 2)
    expect(calls).toBe(2);
    expect(giveUps[0]?.reason).toBe('budget');
    expect(!out.ok && (out.error as RetryExhaustedError).reason).toBe('budget');
    await r.run(() => success(1));
    expect(budget.tokens).toBe(2);
    expect(budget.canSpend()).toBe(false);
  });
});
