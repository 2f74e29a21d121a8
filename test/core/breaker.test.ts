import { describe, expect, it } from 'vitest';
import {
  type BreakerPermit,
  BrokenCircuitError,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type FailureKind,
  failure,
  type Outcome,
  type StateChangeEvent,
  success,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';

function make(options: CircuitBreakerOptions = {}) {
  const clock = new FakeClock();
  const breaker = new CircuitBreaker({ clock, ...options });
  const events: StateChangeEvent[] = [];
  breaker.onStateChange.on((e) => events.push(e));
  return { clock, breaker, events };
}

const fail = (b: CircuitBreaker, kind: FailureKind = 'transient') =>
  b.run(() => failure(kind, new Error(kind)));
const ok = (b: CircuitBreaker) => b.run(() => success(1));

describe('circuit breaker: consecutive mode', () => {
  it('opens exactly when consecutive failures reach the threshold (inclusive)', async () => {
    const { breaker, events } = make({ consecutiveFailures: 3 });
    await fail(breaker);
    await fail(breaker);
    expect(breaker.state).toBe('closed');
    await fail(breaker);
    expect(breaker.state).toBe('open');
    expect(events).toEqual([{ from: 'closed', to: 'open', reason: 'consecutive-failures' }]);
  });

  it('a success resets the count; neutral kinds are not counted', async () => {
    const { breaker } = make({ consecutiveFailures: 2 });
    await fail(breaker);
    await ok(breaker);
    await fail(breaker);
    for (const k of ['request', 'aborted', 'rejected'] as const) await fail(breaker, k);
    expect(breaker.state).toBe('closed');
  });

  it('rejects fast while open with BrokenCircuitError and retryAfterMs, never calling fn', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 1000 });
    await fail(breaker);
    await clock.advance(400);
    let called = false;
    const out = await breaker.run(() => {
      called = true;
      return success(1);
    });
    expect(called).toBe(false);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('rejected');
    expect(out.retryAfterMs).toBe(600);
    expect(out.error).toBeInstanceOf(BrokenCircuitError);
    expect((out.error as BrokenCircuitError).code).toBe('BROKEN_CIRCUIT');
    expect(breaker.retryAfterMs()).toBe(600);
    await expect(breaker.execute(() => 1)).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it('account failure trips at once with the account cooldown', async () => {
    const { breaker } = make({ consecutiveFailures: 5, accountCooldownMs: 300_000 });
    await fail(breaker, 'account');
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(300_000);
  });

  it('half-open probe success closes; open duration grows on re-trip and resets on close', async () => {
    const { breaker, clock, events } = make({
      consecutiveFailures: 1,
      openDurationMs: 1000,
      openBackoffFactor: 2,
    });
    await fail(breaker);
    await clock.advance(1000);
    await fail(breaker); // probe fails → re-open with 2000
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(2000);
    await clock.advance(2000);
    await ok(breaker);
    expect(breaker.state).toBe('closed');
    await fail(breaker);
    expect(breaker.retryAfterMs()).toBe(1000);
    expect(events.map((e) => `${e.from}>${e.to}:${e.reason}`)).toEqual([
      'closed>open:consecutive-failures',
      'open>half-open:open-elapsed',
      'half-open>open:probe-failed',
      'open>half-open:open-elapsed',
      'half-open>closed:probe-succeeded',
      'closed>open:consecutive-failures',
    ]);
  });

  it('open duration is capped', async () => {
    const { breaker, clock } = make({
      consecutiveFailures: 1,
      openDurationMs: 1000,
      maxOpenDurationMs: 3000,
    });
    await fail(breaker);
    for (let i = 0; i < 4; i++) {
      await clock.advance(breaker.retryAfterMs()!);
      await fail(breaker);
    }
    expect(breaker.retryAfterMs()).toBe(3000);
  });
});

describe('circuit breaker: half-open leases', () => {
  it('non-probing callers fail fast while probes run; a hung probe expires and the breaker recovers', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 1000, probeLeaseMs: 5000 });
    await fail(breaker);
    await clock.advance(1000);
    const hung = breaker.run(() => new Promise<never>(() => {}));
    expect(breaker.state).toBe('half-open');
    const other = await ok(breaker);
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.retryAfterMs).toBe(5000);
    await clock.advance(5000);
    expect(breaker.state).toBe('open'); // lease expired = failed probe
    await clock.advance(breaker.retryAfterMs()!);
    await ok(breaker);
    expect(breaker.state).toBe('closed');
    void hung;
  });

  it('admits N probes; N successes close', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 10, halfOpenProbes: 2 });
    await fail(breaker);
    await clock.advance(10);
    const p1 = breaker.tryAcquire();
    const p2 = breaker.tryAcquire();
    const p3 = breaker.tryAcquire();
    expect(p1.ok && p2.ok).toBe(true);
    expect(p3.ok).toBe(false);
    (p1 as BreakerPermit).record('success', 1);
    expect(breaker.state).toBe('half-open');
    (p2 as BreakerPermit).record('success', 1);
    expect(breaker.state).toBe('closed');
  });

  it('a released probe frees its slot; permits are effective at most once', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 10 });
    await fail(breaker);
    await clock.advance(10);
    const p = breaker.tryAcquire() as BreakerPermit;
    expect(p.isProbe).toBe(true);
    p.release();
    p.record('transient', 1); // ignored
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(0);
    const q = breaker.tryAcquire() as BreakerPermit;
    q.record('success', 1);
    q.record('transient', 1);
    expect(breaker.state).toBe('closed');
  });

  it.each(['aborted', 'request', 'rejected'] as const)(
    'a neutral (%s) probe gives its slot back instead of wedging half-open',
    async (kind) => {
      const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 10 });
      await fail(breaker);
      await clock.advance(10);
      const p = breaker.tryAcquire() as BreakerPermit;
      expect(p.isProbe).toBe(true);
      p.record(kind, 1);
      expect(breaker.state).not.toBe('half-open');
      const q = breaker.tryAcquire();
      expect(q.ok).toBe(true);
      (q as BreakerPermit).record('success', 1);
      expect(breaker.state).toBe('closed');
    },
  );

  it('a stale completion after a transition neither flips the state nor double-fires', async () => {
    const { breaker, clock, events } = make({ consecutiveFailures: 1, openDurationMs: 10 });
    const stale = breaker.tryAcquire() as BreakerPermit; // closed, generation 0
    let release!: () => void;
    const slow = breaker.run(
      () =>
        new Promise<Outcome<unknown>>((r) => {
          release = () => r(failure('transient', new Error('late')));
        }),
    );
    await fail(breaker); // opens
    await clock.advance(10);
    await ok(breaker); // half-open → closed
    const before = events.length;
    stale.record('transient', 1);
    release();
    await slow;
    expect(breaker.state).toBe('closed');
    expect(events.length).toBe(before);
  });
});

describe('circuit breaker: window mode', () => {
  const windowOpts: CircuitBreakerOptions = {
    window: { type: 'count', size: 10 },
    minimumCalls: 4,
    failureRateThreshold: 0.5,
  };

  it('opens exactly at the failure-rate boundary (>= threshold)', async () => {
    const { breaker } = make(windowOpts);
    await ok(breaker);
    await ok(breaker);
    await ok(breaker);
    await fail(breaker);
    await fail(breaker); // 2/5 = 40%
    expect(breaker.state).toBe('closed');
    await fail(breaker); // 3/6 = 50% → opens
    expect(breaker.state).toBe('open');
  });

  it('below the minimum number of calls stays closed even at 100% failures', async () => {
    const { breaker } = make(windowOpts);
    for (let i = 0; i < 3; i++) await fail(breaker);
    expect(breaker.state).toBe('closed');
    await fail(breaker);
    expect(breaker.state).toBe('open');
  });

  it('trips on slow-call rate even when every call succeeds', async () => {
    const { breaker, clock } = make({
      window: { type: 'count', size: 10 },
      minimumCalls: 3,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 1,
    });
    const slowOk = () =>
      breaker.run(async () => {
        await new Promise<void>((r) => clock.setTimer(r, 150));
        return success(1);
      });
    for (let i = 0; i < 2; i++) {
      const p = slowOk();
      await clock.advance(150);
      expect((await p).ok).toBe(true);
    }
    expect(breaker.state).toBe('closed');
    const p = slowOk();
    await clock.advance(150);
    await p;
    expect(breaker.state).toBe('open');
  });

  it('time window: stale buckets after an idle gap are forgotten', async () => {
    const { breaker, clock } = make({
      window: { type: 'time', durationMs: 10_000, buckets: 10 },
      minimumCalls: 4,
      failureRateThreshold: 0.5,
    });
    for (let i = 0; i < 3; i++) await fail(breaker);
    await clock.advance(10_001);
    await fail(breaker); // old 3 forgotten: 1 call only
    expect(breaker.state).toBe('closed');
    await ok(breaker);
    await ok(breaker);
    await ok(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('consecutive mode with idleResetMs forgets failures after an idle gap', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 2, idleResetMs: 1000 });
    await fail(breaker);
    await clock.advance(1001);
    await fail(breaker);
    expect(breaker.state).toBe('closed');
  });
});

describe('circuit breaker: manual control and persistence', () => {
  it('isolate is reference-counted; close/disable/enable', async () => {
    const { breaker, events } = make();
    const a = breaker.isolate();
    const b = breaker.isolate();
    expect(breaker.state).toBe('isolated');
    expect((await ok(breaker)).ok).toBe(false);
    expect(breaker.retryAfterMs()).toBeUndefined();
    a.dispose();
    a.dispose();
    expect(breaker.state).toBe('isolated');
    expect(breaker.close()).toBe(false);
    b.dispose();
    expect(breaker.state).toBe('closed');
    breaker.disable();
    for (let i = 0; i < 10; i++) await fail(breaker);
    expect(breaker.state).toBe('disabled');
    breaker.enable();
    expect(breaker.state).toBe('closed');
    expect(events.map((e) => e.reason)).toEqual(['isolated', 'isolation-ended', 'disabled', 'enabled']);
  });

  it('close() force-closes an open breaker', async () => {
    const { breaker } = make({ consecutiveFailures: 1 });
    await fail(breaker);
    expect(breaker.close()).toBe(true);
    expect(breaker.state).toBe('closed');
  });

  it('toJSON/hydrate carries open state with remaining time', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 10_000 });
    await fail(breaker);
    await clock.advance(4000);
    const json = JSON.parse(JSON.stringify(breaker.toJSON()));
    expect(json.state).toBe('open');
    const other = CircuitBreaker.hydrate(json, { clock });
    expect(other.state).toBe('open');
    expect(other.retryAfterMs()).toBe(6000);
    expect(() => other.hydrate({ version: 2 })).toThrow(/version/);
  });

  it('a listener that throws does not break the breaker', async () => {
    const { breaker, clock } = make({ consecutiveFailures: 1, openDurationMs: 10 });
    breaker.onStateChange.on(() => {
      throw new Error('listener');
    });
    await fail(breaker);
    expect(breaker.state).toBe('open');
    await clock.advance(10);
    expect((await ok(breaker)).ok).toBe(true);
    expect(breaker.state).toBe('closed');
  });

  it('rejects bad options naming the field', () => {
    expect(() => new CircuitBreaker({ failureRateThreshold: 2 })).toThrow(/failureRateThreshold/);
    expect(() => new CircuitBreaker({ slowCallRateThreshold: 0.5 })).toThrow(/slowCallDurationMs/);
  });
});
