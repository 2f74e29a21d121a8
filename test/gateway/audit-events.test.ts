import { describe, expect, it } from 'vitest';
import { AggregatingAuditLog } from '../../src/audit/aggregating-audit-log.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { EventAuditor } from '../../src/gateway/audit-events.js';

function setup() {
  const clock = new FakeClock();
  const inner = new MemoryAuditLog({ clock });
  const audit = new AggregatingAuditLog(inner, { clock, windowMs: 60_000 });
  return { clock, inner, audit, auditor: new EventAuditor(audit) };
}

const fallback = (i: number, substitution = false): EngineEvent => ({
  type: 'request.fallback',
  requestId: `req-${i}`,
  target: 'primary',
  from: 'primary',
  to: substitution ? 'other' : 'backup',
  reason: 'breaker_open',
  substitution,
  at: i,
});

describe('EventAuditor', () => {
  it('counts 3,000 fallbacks of one outage minute into one record per (pair, reason)', async () => {
    const { clock, inner, audit, auditor } = setup();
    for (let i = 0; i < 3000; i++) auditor.observe(fallback(i, i % 3 === 0));
    for (let i = 0; i < 10; i++) {
      auditor.observe({
        type: 'retry.gave_up',
        requestId: `g${i}`,
        model: 'primary',
        attempts: 3,
        kind: 'transient',
        at: i,
      });
    }
    expect(inner.size).toBe(0);
    await clock.advance(60_000);
    const records = audit.query();
    expect(records.map((r) => [r.type, r.data['count']])).toEqual([
      ['request.substitution', 1000],
      ['request.fallback', 2000],
      ['retry.gave_up', 10],
    ]);
    expect(records[1]!.data).toMatchObject({ from: 'primary', to: 'backup', cause: 'breaker_open' });
    expect(records[1]!.data['details']).toEqual(['primary']);
    expect(audit.verify().ok).toBe(true);
  });

  it('counts alternating fallback decisions each in its own group (the reused key follows the decision)', async () => {
    const { clock, audit, auditor } = setup();
    const start = clock.wallNow();
    const decision = (i: number, to: string, reason: string, substitution = false): EngineEvent => ({
      type: 'request.fallback',
      requestId: `r${i}`,
      target: 'primary',
      from: 'primary',
      to,
      reason,
      substitution,
      at: start + i,
    });
    const events = [
      decision(0, 'backup', 'breaker_open'),
      decision(1, 'backup', 'breaker_open'),
      decision(2, 'backup', 'transient'),
      decision(3, 'other', 'breaker_open'),
      decision(4, 'other', 'breaker_open', true),
      decision(5, 'backup', 'breaker_open'),
    ];
    for (const e of events) auditor.observe(e);
    await clock.advance(60_000);
    expect(
      audit
        .query()
        .map((r) => [r.type, r.data['to'], r.data['cause'], r.data['count'], r.data['sampleRequestIds']]),
    ).toEqual([
      ['request.fallback', 'backup', 'breaker_open', 3, ['r0', 'r1', 'r5']],
      ['request.fallback', 'backup', 'transient', 1, ['r2']],
      ['request.fallback', 'other', 'breaker_open', 1, ['r3']],
      ['request.substitution', 'other', 'breaker_open', 1, ['r4']],
    ]);
    // The decisions' own times (the events'), not the time they were counted.
    expect(audit.query()[0]!.data).toMatchObject({
      firstAt: new Date(start).toISOString(),
      lastAt: new Date(start + 5).toISOString(),
    });
  });

  it('writes each breaker transition and health change at once', () => {
    const { inner, auditor } = setup();
    auditor.observe({
      type: 'breaker.state_changed',
      model: 'p',
      from: 'closed',
      to: 'open',
      reason: 'failures',
      at: 1,
    });
    auditor.observe({
      type: 'breaker.state_changed',
      model: 'p',
      from: 'open',
      to: 'half-open',
      reason: 'timer',
      at: 2,
    });
    auditor.observe({
      type: 'health.status_changed',
      model: 'p',
      from: 'healthy',
      to: 'failed',
      reason: 'x',
      at: 3,
    });
    expect(inner.export().map((r) => r.type)).toEqual([
      'breaker.open',
      'breaker.half_open',
      'health.status_changed',
    ]);
  });

  it('writes entering and leaving degraded mode at once, with the share of healthy models', () => {
    const { inner, auditor } = setup();
    auditor.observe({
      type: 'engine.mode_changed',
      degraded: true,
      healthyPercent: 25,
      threshold: 50,
      at: 1,
    });
    auditor.observe({
      type: 'engine.mode_changed',
      degraded: false,
      healthyPercent: 75,
      threshold: 50,
      at: 2,
    });
    const records = inner.export();
    expect(records.map((r) => r.type)).toEqual(['engine.degraded', 'engine.recovered']);
    expect(records[0]?.reason).toContain('25% of models healthy, below 50%');
    expect(records[1]?.data).toEqual({ degraded: false, healthyPercent: 75, threshold: 50 });
  });

  it('groups exhausted chains by their trail and ignores per-request noise', async () => {
    const { clock, inner, auditor } = setup();
    const trail = [
      { model: 'a', kind: 'rejected' as const, latencyMs: 0, retries: 0, note: 'breaker_open' },
      { model: 'b', kind: 'transient' as const, latencyMs: 3, retries: 0, note: 'transient' },
    ];
    for (let i = 0; i < 50; i++)
      auditor.observe({ type: 'request.exhausted', requestId: `x${i}`, target: 'chain', trail, at: i });
    auditor.observe({
      type: 'request.completed',
      requestId: 'c',
      target: 'a',
      model: 'a',
      outcome: 'success',
      attempts: 1,
      fallback: false,
      stream: false,
      latencyMs: 1,
      ttftMs: undefined,
      at: 1,
    });
    await clock.advance(60_000);
    const records = inner.export();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 'request.exhausted', data: { count: 50 } });
    expect(records[0]!.reason).toContain('a: breaker_open; b: transient');
  });
});
