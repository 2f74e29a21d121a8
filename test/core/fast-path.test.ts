import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  type Call,
  type Chain,
  ConstantBackoff,
  circuitBreaker,
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

/** A plain (non-fast) stage that logs around the rest of the chain. */
class Tracer implements Stage {
  readonly log: string[] = [];
  async invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    this.log.push(`in:${call.attempt}`);
    const out = await next.run<T>(call, fn);
    this.log.push(`out:${out.ok ? 'ok' : out.kind}`);
    return out;
  }
  describeSelf(): { name: string } {
    return { name: 'tracer' };
  }
}

describe('pipeline fast path (stages run with one await)', () => {
  it('an open breaker deep in a pipeline rejects synchronously through the outer stages', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, consecutiveFailures: 1, openDurationMs: 1000 });
    const r = retry({ clock, maxRetries: 3, backoff: new ConstantBackoff(1) });
    const t = timeout({ timeoutMs: 500, clock });
    let retries = 0;
    r.onRetry.on(() => retries++);
    const p = pipeline(t, r, breaker);
    const first = await drive(
      clock,
      p.executeOutcome(() => {
        throw new Error('trip');
      }),
    );
    // the retry after the trip met the open breaker: rejected, not retried again
    expect(!first.ok && first.kind).toBe('rejected');
    expect(breaker.state).toBe('open');
    retries = 0;
    let called = 0;
    const out = await p.executeOutcome(() => ++called);
    expect(called).toBe(0);
    expect(!out.ok && out.kind).toBe('rejected');
    expect(!out.ok && out.error).toBeInstanceOf(BrokenCircuitError);
    expect(!out.ok && out.retryAfterMs).toBe(1000 - clock.now()); // opened at t=0
    expect(retries).toBe(0);
    // the timeout's deadline was completed: nothing fires later
    await clock.advance(1000 - clock.now());
    const later = await pipeline(fallback('fb'), t, r, breaker).executeOutcome(() => 'fresh');
    expect(later).toEqual({ ok: true, value: 'fresh' });
    t.dispose();
  });

  it('an async fallback function still runs after a synchronous rejection', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock });
    const isolation = breaker.isolate();
    const p = pipeline(
      fallback(async (f) => `fb:${f.kind}`),
      timeout({ timeoutMs: 100, clock }),
      breaker,
    );
    expect(await p.execute(() => 'never')).toBe('fb:rejected');
    isolation.dispose();
    expect(await p.execute(() => 'real')).toBe('real');
  });

  it('a non-fast stage between fast stages runs on every attempt, inside the retry', async () => {
    const clock = new FakeClock();
    const tracer = new Tracer();
    const p = pipeline(
      timeout({ timeoutMs: 10_000, clock }),
      retry({ clock, maxRetries: 2, backoff: new ConstantBackoff(5) }),
      tracer,
      circuitBreaker({ clock }),
    );
    let n = 0;
    const out = await drive(
      clock,
      p.executeOutcome(() => {
        if (++n < 3) throw new Error('flaky');
        return n;
      }),
    );
    expect(out).toEqual({ ok: true, value: 3 });
    expect(tracer.log).toEqual(['in:0', 'out:transient', 'in:1', 'out:transient', 'in:2', 'out:ok']);
  });

  it('an aggressive timeout inside a fused pipeline still returns at its deadline', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      fallback((f) => `fb:${f.kind}`),
      timeout({ timeoutMs: 50, strategy: 'aggressive', clock }),
      retry({ clock, maxRetries: 0 }),
      circuitBreaker({ clock }),
    );
    const pending = p.execute(() => new Promise<string>(() => {}));
    await clock.advance(50);
    expect(await pending).toBe('fb:timeout');
  });

  it('a cooperative timeout in the fast path returns a late success (a complete answer is kept)', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, consecutiveFailures: 1 });
    const p = pipeline(timeout({ timeoutMs: 20, clock }), retry({ clock, maxRetries: 0 }), breaker);
    const pending = p.executeOutcome(
      (ctx) =>
        new Promise<string>((resolve) => {
          clock.setTimer(() => resolve(ctx.signal.aborted ? 'late, aborted' : 'late'), 30);
        }),
    );
    await clock.advance(30);
    const out = await pending;
    expect(out).toEqual({ ok: true, value: 'late, aborted' });
    // the breaker (inside the timeout) saw the function's success
    expect(breaker.state).toBe('closed');
  });
});
