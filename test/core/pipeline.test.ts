import { describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  bulkhead,
  ConstantBackoff,
  circuitBreaker,
  failure,
  fallback,
  type Policy,
  pipeline,
  retry,
  timeout,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';
import { drive } from './drive.js';

describe('pipeline', () => {
  it('composes outermost first and describes itself', () => {
    const clock = new FakeClock();
    const p = pipeline(timeout({ timeoutMs: 1000, clock }), retry({ clock }), circuitBreaker({ clock }));
    const d = p.describe();
    expect(d.name).toBe('timeout');
    expect(d.inner?.name).toBe('retry');
    expect(d.inner?.inner?.name).toBe('circuitBreaker');
    const asPolicy: Policy = p; // no fallback: a plain Policy
    expect(asPolicy).toBeDefined();
  });

  it('execute rethrows the original error as is, and typed errors for rejections', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, consecutiveFailures: 1 });
    const p = pipeline(retry({ clock, maxRetries: 0 }), breaker);
    const original = new TypeError('boom');
    await expect(
      p.execute(() => {
        throw original;
      }),
    ).rejects.toBe(original);
    await expect(p.execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it('fallback substitutes a value or a function of the failure, but not an abort', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      fallback((f) => `fallback:${f.kind}`),
      retry({ clock, backoff: new ConstantBackoff(1), maxRetries: 1 }),
    );
    const v: string | number = await drive(
      clock,
      p.execute((): number => {
        throw new Error('x');
      }),
    );
    expect(v).toBe('fallback:transient');
    expect(await pipeline(fallback(7)).execute(() => Promise.reject(new Error('y')))).toBe(7);
    const ac = new AbortController();
    ac.abort();
    const out = await pipeline(fallback(7)).executeOutcome(() => 1, { signal: ac.signal });
    expect(!out.ok && out.kind).toBe('aborted');
  });

  it('retry outside a breaker stops at once on an open circuit; bulkhead composes', async () => {
    const clock = new FakeClock();
    const p = pipeline(
      retry({ clock, backoff: new ConstantBackoff(1) }),
      circuitBreaker({ clock, consecutiveFailures: 2 }),
      bulkhead({ maxConcurrent: 2 }),
    );
    let calls = 0;
    const out = await drive(
      clock,
      p.run(() => {
        calls++;
        return failure('transient', new Error('x'));
      }),
    );
    expect(calls).toBe(2);
    expect(!out.ok && out.kind).toBe('rejected');
  });

  it('a custom classifier is used', async () => {
    const p = pipeline(circuitBreaker({ classifier: (e) => failure('request', e) }));
    const out = await p.executeOutcome(() => {
      throw new Error('x');
    });
    expect(!out.ok && out.kind).toBe('request');
  });
});
