import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { RequestTimeline } from '../../src/telemetry/request-timeline.js';

const done = (at: number, latencyMs: number, outcome: 'success' | 'transient' = 'success'): EngineEvent => ({
  type: 'request.completed',
  requestId: 'r',
  target: 't',
  model: outcome === 'success' ? 'm' : undefined,
  outcome,
  attempts: 1,
  fallback: false,
  stream: false,
  latencyMs,
  ttftMs: undefined,
  at,
});
const fellBack = (at: number): EngineEvent => ({
  type: 'request.fallback',
  requestId: 'r',
  target: 't',
  from: 'a',
  to: 'b',
  reason: 'transient',
  substitution: false,
  at,
});

describe('RequestTimeline', () => {
  it('counts requests, failures, fallbacks and latency percentiles per interval', () => {
    const clock = new FakeClock(0, 0);
    const t = new RequestTimeline({ intervalMs: 1_000, points: 5, clock });
    for (let i = 1; i <= 100; i++) t.observe(done(100, i));
    t.observe(done(200, 5_000, 'transient'));
    t.observe(fellBack(300));
    t.observe(done(1_500, 20));
    const points = t.points();
    expect(points).toHaveLength(2);
    expect(points[0]).toMatchObject({ at: 0, requests: 101, failed: 1, fallbacks: 1 });
    // log buckets ~12 % apart: the reported percentile is within one bucket above the true one
    expect(points[0]!.p50Ms).toBeGreaterThanOrEqual(51);
    expect(points[0]!.p50Ms).toBeLessThanOrEqual(51 * 1.13);
    expect(points[0]!.p95Ms).toBeGreaterThanOrEqual(96);
    expect(points[0]!.p95Ms).toBeLessThanOrEqual(96 * 1.13);
    expect(points[1]).toMatchObject({ at: 1_000, requests: 1, failed: 0, fallbacks: 0 });
  });

  it('fills quiet intervals with zeros and keeps only the configured number of points', async () => {
    const clock = new FakeClock(0, 0);
    const t = new RequestTimeline({ intervalMs: 1_000, points: 3, clock });
    t.observe(done(0, 1));
    await clock.advance(2_500);
    expect(t.points().map((p) => [p.at, p.requests, p.p95Ms])).toEqual([
      [0, 1, 1],
      [1_000, 0, null],
      [2_000, 0, null],
    ]);
    await clock.advance(10_000);
    const later = t.points();
    expect(later).toHaveLength(4); // 3 closed + the current one
    expect(later.map((p) => p.at)).toEqual([9_000, 10_000, 11_000, 12_000]);
    expect(later.every((p) => p.requests === 0)).toBe(true);
  });

  it('is empty before the first event', () => {
    expect(new RequestTimeline({ clock: new FakeClock(0, 0) }).points().length).toBeLessThanOrEqual(1);
  });
});
