import { describe, expect, it } from 'vitest';
import { AggregatingAuditLog } from '../../src/audit/aggregating-audit-log.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { auditEvent } from '../../src/gateway/audit-events.js';

function setup() {
  const clock = new FakeClock();
  const inner = new MemoryAuditLog({ clock });
  const audit = new AggregatingAuditLog(inner, { clock, windowMs: 60_000 });
  return { clock, inner, audit };
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

describe('auditEvent', () => {
  it('counts 3,000 fallbacks of one outage minute into one record per (pair, reason)', async () => {
    const { clock, inner, audit } = setup();
    for (let i = 0; i < 3000; i++) auditEvent(fallback(i, i % 3 === 0), audit);
    for (let i = 0; i < 10; i++) {
      auditEvent(
        {
          type: 'retry.gave_up',
          requestId: `g${i}`,
          model: 'primary',
          attempts: 3,
          kind: 'transient',
          at: i,
        },
        audit,
      );
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

  it('writes each breaker transition and health change at once', () => {
    const { inner, audit } = setup();
    auditEvent(
      { type: 'breaker.state_changed', model: 'p', from: 'closed', to: 'open', reason: 'failures', at: 1 },
      audit,
    );
    auditEvent(
      { type: 'breaker.state_changed', model: 'p', from: 'open', to: 'half-open', reason: 'timer', at: 2 },
      audit,
    );
    auditEvent(
      { type: 'health.status_changed', model: 'p', from: 'healthy', to: 'failed', reason: 'x', at: 3 },
      audit,
    );
    expect(inner.export().map((r) => r.type)).toEqual([
      'breaker.open',
      'breaker.half_open',
      'health.status_changed',
    ]);
  });

  it('groups exhausted chains by their trail and ignores per-request noise', async () => {
    const { clock, inner, audit } = setup();
    const trail = [
      { model: 'a', kind: 'rejected' as const, latencyMs: 0, retries: 0, note: 'breaker_open' },
      { model: 'b', kind: 'transient' as const, latencyMs: 3, retries: 0, note: 'transient' },
    ];
    for (let i = 0; i < 50; i++)
      auditEvent({ type: 'request.exhausted', requestId: `x${i}`, target: 'chain', trail, at: i }, audit);
    auditEvent(
      {
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
      },
      audit,
    );
    await clock.advance(60_000);
    const records = inner.export();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 'request.exhausted', data: { count: 50 } });
    expect(records[0]!.reason).toContain('a: breaker_open; b: transient');
  });
});
