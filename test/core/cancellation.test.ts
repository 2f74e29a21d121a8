import { describe, expect, it } from 'vitest';
import {
  CancelSource,
  circuitBreaker,
  constantBackoff,
  fallback,
  pipeline,
  retry,
  TimeoutError,
  timeout,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';
import { drive } from './drive.js';

/** A function that behaves like fetch: it rejects with whatever the signal was aborted with. */
function fetchLike(clock: FakeClock, calls: { n: number }) {
  return (ctx: { signal: AbortSignal }) =>
    new Promise<string>((resolve, reject) => {
      calls.n++;
      const t = clock.setTimer(() => resolve('late'), 1000);
      ctx.signal.addEventListener('abort', () => {
        clock.clearTimer(t);
        reject(ctx.signal.reason);
      });
    });
}

describe('a caller cancellation is never a failure', () => {
  for (const [label, reason] of [
    ['a plain Error', new Error('client went away')],
    ['a string', 'bye'],
    ['an object', { why: 'navigation' }],
    ['undefined (DOMException AbortError)', undefined],
  ] as const) {
    it(`whatever the reason (${label}): aborted, neutral for the breaker, no retry`, async () => {
      const clock = new FakeClock();
      const breaker = circuitBreaker({ clock, consecutiveFailures: 1 });
      const p = pipeline(retry({ clock, maxRetries: 3, backoff: constantBackoff(10) }), breaker);
      const calls = { n: 0 };
      const source = new CancelSource();
      const pending = p.executeOutcome(fetchLike(clock, calls), { signal: source });
      await clock.advance(5);
      source.abort(reason);
      const out = await drive(clock, pending);
      expect(!out.ok && out.kind).toBe('aborted');
      expect(calls.n).toBe(1);
      expect(breaker.state).toBe('closed');
      expect(breaker.metrics.consecutiveFailures).toBe(0);
    });
  }

  it('a timeout that cancels the same way is still a timeout', async () => {
    const clock = new FakeClock();
    const p = pipeline(timeout({ timeoutMs: 20, clock }));
    const out = await drive(clock, p.executeOutcome(fetchLike(clock, { n: 0 })));
    expect(!out.ok && out.kind).toBe('timeout');
    expect(!out.ok && out.error).toBeInstanceOf(TimeoutError);
  });
});

describe('timeouts', () => {
  it('cooperative: a function that succeeds after the deadline returns its value', async () => {
    const clock = new FakeClock();
    const t = timeout({ timeoutMs: 20, clock });
    const pending = t.executeOutcome(
      () => new Promise<string>((resolve) => clock.setTimer(() => resolve('complete answer'), 50)),
    );
    await clock.advance(50);
    expect(await pending).toEqual({ ok: true, value: 'complete answer' });
  });

  it('aggressive: counts the calls it abandoned while they run, and in total', async () => {
    const clock = new FakeClock();
    const t = timeout({ timeoutMs: 20, clock, strategy: 'aggressive' });
    const pending = t.executeOutcome(
      () => new Promise<string>((resolve) => clock.setTimer(() => resolve('ignored'), 100)),
    );
    await clock.advance(20);
    const out = await pending;
    expect(!out.ok && out.kind).toBe('timeout');
    expect(t.abandoned).toBe(1);
    expect(t.abandonedRunning).toBe(1);
    await clock.advance(100);
    expect(t.abandonedRunning).toBe(0);
    expect(t.abandoned).toBe(1);
  });

  it('the fallback function receives the signal, so an outer timeout interrupts it', async () => {
    const clock = new FakeClock();
    let seen: AbortSignal | undefined;
    const p = pipeline(
      timeout({ timeoutMs: 50, clock }),
      fallback((_f, ctx) => {
        seen = ctx.signal;
        return new Promise<string>((resolve, reject) => {
          const t = clock.setTimer(() => resolve('slow substitute'), 1000);
          ctx.signal.addEventListener('abort', () => {
            clock.clearTimer(t);
            reject(ctx.signal.reason);
          });
        });
      }),
    );
    const out = await drive(
      clock,
      p.executeOutcome(() => {
        throw new Error('primary failed');
      }),
    );
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(!out.ok && out.kind).toBe('timeout');
    expect(clock.now()).toBe(50);
  });
});

describe('timers someone awaits keep the process alive; background ones do not', () => {
  it("a retry's backoff sleep is a keep-alive timer", async () => {
    const clock = new FakeClock();
    const r = retry({ clock, maxRetries: 1, backoff: constantBackoff(100) });
    let n = 0;
    const pending = r.executeOutcome(() => {
      if (n++ === 0) throw new Error('once');
      return 'ok';
    });
    await clock.advance(0);
    expect(clock.keptAliveTimers).toBe(1);
    await clock.advance(100);
    expect(await pending).toEqual({ ok: true, value: 'ok' });
    expect(clock.pendingTimers).toBe(0);
  });

  it("a timeout's timer keeps the process alive while a call is pending, not after", async () => {
    const clock = new FakeClock();
    const t = timeout({ timeoutMs: 1000, clock });
    const pending = t.executeOutcome(
      () => new Promise<string>((resolve) => clock.setTimer(() => resolve('x'), 10)),
    );
    expect(clock.keptAliveTimers).toBe(1);
    await clock.advance(10);
    expect(await pending).toEqual({ ok: true, value: 'x' });
    // the queue drained: its timer (still armed) no longer holds the process
    expect(clock.keptAliveTimers).toBe(0);
    const again = t.executeOutcome(async () => 'y');
    expect(clock.keptAliveTimers).toBe(1);
    await again;
    expect(clock.keptAliveTimers).toBe(0);
  });
});
