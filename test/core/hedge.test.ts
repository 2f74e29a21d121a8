import { describe, expect, it } from 'vitest';
import { failure, HedgePolicy, RetryBudget, success } from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';

describe('hedge', () => {
  it('primary wins before the delay: no hedge is started', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: 100, clock });
    let calls = 0;
    const p = h.run(async () => {
      calls++;
      await new Promise<void>((r) => clock.setTimer(r, 50));
      return success('primary');
    });
    await clock.advance(200);
    expect(await p).toEqual({ ok: true, value: 'primary' });
    expect(calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('hedge wins: the primary is aborted and awaited before the result returns', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: () => 100, clock });
    const log: string[] = [];
    const p = h.run(async (ctx) => {
      if (ctx.attempt === 0) {
        await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
        await Promise.resolve();
        log.push('primary finished');
        return failure('aborted', ctx.signal.reason);
      }
      await new Promise<void>((r) => clock.setTimer(r, 10));
      log.push('hedge finished');
      return success('hedge');
    });
    await clock.advance(110);
    const out = await p;
    log.push('returned');
    expect(out).toEqual({ ok: true, value: 'hedge' });
    expect(log).toEqual(['hedge finished', 'primary finished', 'returned']);
  });

  it('hedges spend the shared retry budget; none when it is low', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ maxTokens: 2, minTokens: 2 });
    const h = new HedgePolicy({ delayMs: 10, clock, budget, maxHedges: 2 });
    let calls = 0;
    const p = h.run(async () => {
      calls++;
      await new Promise<void>((r) => clock.setTimer(r, 100));
      return success(calls);
    });
    await clock.advance(100);
    await p;
    expect(calls).toBe(1);
  });

  it('a retryable failure with no other attempt running starts the next hedge at once', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: 10_000, clock });
    const p = h.run(async (ctx) =>
      ctx.attempt === 0 ? failure('transient', new Error('x')) : success('second'),
    );
    await clock.advance(0);
    expect(await p).toEqual({ ok: true, value: 'second' });
  });
});
