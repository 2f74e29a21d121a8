import { describe, expect, it } from 'vitest';
import { CircuitBreaker, failure, type StateChangeEvent } from '../../src/core/index.js';
import { FakeClock, flushMicrotasks } from '../../src/core/testing/index.js';

const fail = () => {
  throw new Error('down');
};

describe('breaker: metrics-only mode and the metrics view', () => {
  it('metrics-only records every outcome but never rejects, and counts where it would have opened', async () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker({ clock, consecutiveFailures: 2, metricsOnly: true });
    for (let i = 0; i < 5; i++) await b.executeOutcome(fail);
    expect(b.state).toBe('closed');
    const out = await b.executeOutcome(() => 'still called');
    expect(out).toEqual({ ok: true, value: 'still called' });
    expect(b.tryAcquire().ok).toBe(true);
    expect(b.metrics).toMatchObject({ metricsOnly: true, wouldHaveOpened: 2, consecutiveFailures: 0 });
  });

  it('the view shows window counts and rates, read-only', async () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker({ clock, window: { type: 'count', size: 10 }, minimumCalls: 100 });
    await b.executeOutcome(fail);
    await b.executeOutcome(() => 1);
    await b.executeOutcome(() => 2);
    await b.executeOutcome(() => 3);
    const m = b.metrics;
    expect(m).toMatchObject({ state: 'closed', calls: 4, failures: 1, failureRate: 0.25, slowCalls: 0 });
    expect(() => {
      (m as { calls: number }).calls = 0;
    }).not.toThrow();
    expect(b.metrics.calls).toBe(4);
  });

  it('consecutive mode: counts, no rates', async () => {
    const b = new CircuitBreaker({ clock: new FakeClock(), consecutiveFailures: 5 });
    await b.executeOutcome(fail);
    await b.executeOutcome(fail);
    expect(b.metrics).toMatchObject({ consecutiveFailures: 2, calls: undefined, failureRate: undefined });
  });
});

describe('breaker: health-check hook', () => {
  it('a passing scheduled check closes an open breaker; a failing or throwing one keeps it open', async () => {
    const clock = new FakeClock();
    const results: Array<boolean | 'throw'> = [false, 'throw', true];
    const events: StateChangeEvent[] = [];
    const b = new CircuitBreaker({
      clock,
      consecutiveFailures: 1,
      openDurationMs: 60_000,
      healthCheck: {
        intervalMs: 1000,
        check: () => {
          const r = results.shift();
          if (r === 'throw') throw new Error('probe crashed');
          return r === true;
        },
      },
    });
    b.onStateChange.on((e) => events.push(e));
    await b.executeOutcome(fail);
    expect(b.state).toBe('open');
    await clock.advance(1000);
    expect(b.state).toBe('open');
    await clock.advance(1000);
    expect(b.state).toBe('open');
    await clock.advance(1000);
    await flushMicrotasks();
    expect(b.state).toBe('closed');
    expect(events.at(-1)).toEqual({ from: 'open', to: 'closed', reason: 'health-check-passed' });
    expect(clock.pendingTimers).toBe(0);
    expect(clock.keptAliveTimers).toBe(0);
  });

  it('reportHealthCheck(true) closes an open breaker but never ends an isolation', async () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker({ clock, consecutiveFailures: 1 });
    await b.executeOutcome(fail);
    expect(b.reportHealthCheck(false)).toBe(false);
    expect(b.reportHealthCheck(true)).toBe(true);
    expect(b.state).toBe('closed');
    const handle = b.isolate();
    expect(b.reportHealthCheck(true)).toBe(false);
    expect(b.state).toBe('isolated');
    handle.dispose();
    expect(b.state).toBe('closed');
  });

  it('rejects a health check without a usable interval, naming the field', () => {
    expect(() => new CircuitBreaker({ healthCheck: { intervalMs: 0, check: () => true } })).toThrow(
      /healthCheck.intervalMs/,
    );
  });

  it('an open breaker whose wait has passed admits the next live call as a probe', async () => {
    const clock = new FakeClock();
    const b = new CircuitBreaker({ clock, consecutiveFailures: 1, openDurationMs: 100 });
    await b.run(async () => failure('transient', new Error('x')));
    expect(b.retryAfterMs()).toBe(100);
    await clock.advance(100);
    expect(b.retryAfterMs()).toBe(0);
    expect(await b.executeOutcome(() => 'probe')).toEqual({ ok: true, value: 'probe' });
    expect(b.state).toBe('closed');
  });
});
