import { describe, expect, it } from 'vitest';
import { failure, HedgePolicy, type HedgingEvent, type Outcome, success } from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';
import { drive } from './drive.js';

const later = <T>(clock: FakeClock, ms: number, value: T) =>
  new Promise<T>((resolve) => clock.setTimer(() => resolve(value), ms));

describe('hedging semantics', () => {
  it("the winner's signal is never aborted after it wins; the loser's is", async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: 10, clock });
    const signals: AbortSignal[] = [];
    const p = h.run(async (ctx) => {
      signals[ctx.attempt] = ctx.signal;
      return success(await later(clock, ctx.attempt === 0 ? 100 : 20, `attempt ${ctx.attempt}`));
    });
    const out = await drive(clock, p);
    expect(out).toEqual({ ok: true, value: 'attempt 1' });
    expect(signals[1]!.aborted).toBe(false);
    expect(signals[0]!.aborted).toBe(true);
  });

  it('a handled failure starts the next attempt at once, even while another still runs', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: 10, clock, maxHedges: 2 });
    const started: number[] = [];
    const p = h.run(async (ctx): Promise<Outcome<string>> => {
      started.push(clock.now());
      if (ctx.attempt === 0) return success(await later(clock, 1000, 'slow'));
      if (ctx.attempt === 1) {
        await later(clock, 5, null);
        return failure('transient', new Error('hedge 1 failed'));
      }
      return success('third');
    });
    const out = await drive(clock, p);
    expect(out).toEqual({ ok: true, value: 'third' });
    // hedge 1 at 10 ms, failed at 15 ms: hedge 2 started at 15, not at 20
    expect(started).toEqual([0, 10, 15]);
  });

  it('a negative delay means sequential (fallback mode): the next attempt only after a failure', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: -1, clock, maxHedges: 2 });
    const started: number[] = [];
    const p = h.run(async (ctx): Promise<Outcome<string>> => {
      started.push(clock.now());
      await later(clock, 100, null);
      return ctx.attempt < 2 ? failure('transient', new Error('no')) : success('third');
    });
    expect(await drive(clock, p)).toEqual({ ok: true, value: 'third' });
    expect(started).toEqual([0, 100, 200]);
  });

  it('onHedging fires for each hedge with its cause', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: 10, clock, maxHedges: 2 });
    const events: HedgingEvent[] = [];
    h.onHedging.on((e) => events.push(e));
    const p = h.run(async (ctx): Promise<Outcome<number>> => {
      if (ctx.attempt === 1) return failure('transient', new Error('x'));
      return success(await later(clock, 100, ctx.attempt));
    });
    await drive(clock, p);
    expect(events).toEqual([
      { attempt: 1, cause: 'delay' },
      { attempt: 2, cause: 'failure' },
    ]);
  });

  it('losing successful results are handed to onDiscard (an unread body can be released)', async () => {
    const clock = new FakeClock();
    const discarded: unknown[] = [];
    const h = new HedgePolicy({ delayMs: 10, clock, onDiscard: (o) => discarded.push(o.value) });
    // the primary ignores its abort and still produces a result
    const p = h.run(async (ctx) =>
      success(await later(clock, ctx.attempt === 0 ? 50 : 20, `body ${ctx.attempt}`)),
    );
    expect(await drive(clock, p)).toEqual({ ok: true, value: 'body 1' });
    expect(discarded).toEqual(['body 0']);
  });

  for (const [label, options] of [
    [
      'delay generator',
      {
        delayMs: () => {
          throw new Error('delay boom');
        },
      },
    ],
    [
      'acceptance predicate',
      {
        delayMs: 10,
        isAcceptable: () => {
          throw new Error('predicate boom');
        },
      },
    ],
  ] as const) {
    it(`a throwing ${label} fails the call (it settles; no unhandled rejection)`, async () => {
      const clock = new FakeClock();
      const h = new HedgePolicy({ ...options, clock });
      const p = h.execute(async () => later(clock, 5, 'value'));
      const settled = drive(clock, p).then(
        () => 'resolved',
        (e: Error) => e.message,
      );
      expect(await settled).toMatch(/boom/);
    });
  }

  it('a throwing callback fails the call with its error', async () => {
    const clock = new FakeClock();
    const h = new HedgePolicy({ delayMs: -1, clock, maxHedges: 0 });
    await expect(
      h.execute(() => {
        throw new Error('callback boom');
      }),
    ).rejects.toThrow('callback boom');
  });
});
