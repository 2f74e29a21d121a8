import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { HealthMonitor, type StatusChangeEvent } from '../../src/health/index.js';

function setup(options: ConstructorParameters<typeof HealthMonitor>[0] = {}) {
  const clock = new FakeClock();
  const monitor = new HealthMonitor({ clock, ...options }, ['m']);
  const events: StatusChangeEvent[] = [];
  monitor.statusChanged.on((e) => events.push(e));
  return { clock, monitor, events };
}

describe('HealthMonitor status', () => {
  it('fails after 3 consecutive failures and recovers after 3 good results', () => {
    const { monitor, events } = setup();
    monitor.record('m', 'transient', 10);
    monitor.record('m', 'timeout', 10);
    expect(monitor.status('m')).toBe('healthy');
    monitor.record('m', 'malformed', 10);
    expect(monitor.status('m')).toBe('failed');
    monitor.record('m', 'transient', 10);
    monitor.record('m', 'success', 10);
    monitor.record('m', 'success', 10);
    expect(monitor.status('m')).toBe('failed');
    monitor.record('m', 'success', 10);
    expect(monitor.status('m')).toBe('healthy');
    expect(events.map((e) => [e.from, e.to, e.reason])).toEqual([
      ['healthy', 'failed', 'consecutive_failures'],
      ['failed', 'healthy', 'recovered'],
    ]);
    expect(events[0]!.modelId).toBe('m');
    expect(events[0]!.at).toBeInstanceOf(Date);
  });

  it('neutral kinds neither fail nor break a streak', () => {
    const { monitor } = setup();
    monitor.record('m', 'transient', 10);
    monitor.record('m', 'aborted', 10);
    monitor.record('m', 'request', 10);
    monitor.record('m', 'rejected', 10);
    monitor.record('m', 'transient', 10);
    expect(monitor.status('m')).toBe('healthy');
    expect(monitor.health('m')).toMatchObject({
      consecutiveFailures: 2,
      requests: 5,
      failures: 2,
      successes: 0,
    });
    monitor.record('m', 'transient', 10);
    expect(monitor.status('m')).toBe('failed');
  });

  it('degrades on error rate, once, and recovers when the window forgets', async () => {
    const { clock, monitor, events } = setup({ errorRateThreshold: 0.25, minRequests: 10 });
    for (let i = 0; i < 30; i++) monitor.record('m', i % 3 === 0 ? 'transient' : 'success', 10);
    expect(monitor.status('m')).toBe('degraded');
    expect(monitor.health('m')!.errorRate).toBeCloseTo(1 / 3, 5);
    await clock.advance(61_000);
    for (let i = 0; i < 3; i++) monitor.record('m', 'success', 10);
    expect(monitor.status('m')).toBe('healthy');
    expect(events.map((e) => `${e.from}>${e.to}:${e.reason}`)).toEqual([
      'healthy>degraded:error_rate',
      'degraded>healthy:recovered',
    ]);
  });

  it('degrades on p95 latency over the threshold', () => {
    const { monitor, events } = setup({ latencyThresholdMs: 1000, minRequests: 10 });
    for (let i = 0; i < 20; i++) monitor.record('m', 'success', 100);
    expect(monitor.status('m')).toBe('healthy');
    for (let i = 0; i < 20; i++) monitor.record('m', 'success', 5000);
    expect(monitor.status('m')).toBe('degraded');
    expect(events).toHaveLength(1);
    expect(events[0]!.reason).toBe('latency_p95');
  });

  it('the window forgets old data after idle', async () => {
    const { clock, monitor } = setup();
    for (let i = 0; i < 5; i++) monitor.record('m', 'success', 200, 50);
    monitor.record('m', 'transient', 200);
    expect(monitor.health('m')).toMatchObject({ requests: 6, failures: 1 });
    await clock.advance(30_000);
    expect(monitor.health('m')!.requests).toBe(6);
    await clock.advance(31_000);
    const h = monitor.health('m')!;
    expect(h).toMatchObject({ requests: 0, failures: 0, errorRate: 0, availability: 1 });
    expect(h.latencyP95).toBeUndefined();
    expect(h.ttftP50).toBeUndefined();
  });

  it('expires old buckets one at a time as the ring advances', async () => {
    const { clock, monitor } = setup({ windowMs: 10_000, buckets: 10 });
    monitor.record('m', 'success', 10);
    await clock.advance(5_000);
    monitor.record('m', 'transient', 10);
    await clock.advance(5_500);
    expect(monitor.health('m')).toMatchObject({ requests: 1, failures: 1 });
  });

  it('reports percentiles, TTFT and a score', () => {
    const { monitor } = setup({ latencyThresholdMs: 1000 });
    for (let i = 1; i <= 100; i++) monitor.record('m', 'success', i * 10, i);
    const h = monitor.health('m')!;
    expect(h.latencyP50!).toBeGreaterThan(480);
    expect(h.latencyP50!).toBeLessThan(520);
    expect(h.latencyP99!).toBeGreaterThan(960);
    expect(h.ttftP95!).toBeGreaterThan(90);
    expect(h.score).toBeCloseTo(1 / (1 + h.latencyP95! / 1000), 5);
    expect(h.responseTime).toBe(1000);
  });

  it('wrong canary answers lower accuracy and count as failures', () => {
    const { monitor, events } = setup({ minAccuracySamples: 3, accuracyThreshold: 0.8 });
    const successes: string[] = [];
    monitor.probeSucceeded.on((e) => successes.push(e.modelId));
    monitor.recordProbe('m', { kind: 'success', latencyMs: 50, correct: true });
    monitor.recordProbe('m', { kind: 'success', latencyMs: 50, correct: true });
    monitor.recordProbe('m', { kind: 'success', latencyMs: 50, correct: false });
    expect(monitor.health('m')!.accuracy).toBeCloseTo(2 / 3, 5);
    expect(monitor.status('m')).toBe('degraded');
    expect(events.at(-1)!.reason).toBe('accuracy');
    monitor.recordProbe('m', { kind: 'success', latencyMs: 50, correct: false });
    monitor.recordProbe('m', { kind: 'success', latencyMs: 50, correct: false });
    expect(monitor.status('m')).toBe('failed');
    expect(monitor.health('m')!.score).toBe(0);
    expect(successes).toEqual(['m', 'm']);
  });

  it('fires each status change exactly once', () => {
    const { monitor, events } = setup();
    for (let i = 0; i < 10; i++) monitor.record('m', 'transient', 10);
    monitor.health('m');
    monitor.status('m');
    expect(events).toHaveLength(1);
  });

  it('round-trips its state through toJSON and hydrate', () => {
    const { monitor, clock } = setup();
    for (let i = 0; i < 3; i++) monitor.record('m', 'transient', 10);
    monitor.recordProbe('m', { kind: 'success', latencyMs: 20, correct: false });
    const saved = JSON.parse(JSON.stringify(monitor.toJSON()));
    const other = new HealthMonitor({ clock });
    const seen: string[] = [];
    other.statusChanged.on((e) => seen.push(`${e.to}:${e.reason}`));
    other.hydrate(saved);
    expect(other.health('m')).toMatchObject({ status: 'failed', consecutiveFailures: 4, accuracy: 0 });
    expect(seen).toEqual(['failed:hydrated']);
  });

  it('unknown models are healthy and tracked on first record', () => {
    const { monitor } = setup();
    expect(monitor.status('other')).toBe('healthy');
    expect(monitor.score('other')).toBe(1);
    monitor.record('other', 'success', 5);
    expect(monitor.modelIds()).toEqual(['m', 'other']);
    monitor.retain(['other']);
    expect(monitor.modelIds()).toEqual(['other']);
  });
});
