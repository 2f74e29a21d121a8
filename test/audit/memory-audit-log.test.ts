import { describe, expect, it } from 'vitest';
import { computeAuditHash, GENESIS_HASH } from '../../src/audit/audit-record.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { appendMany } from './helpers.js';

describe('MemoryAuditLog', () => {
  it('numbers, timestamps, redacts and hash-chains records in call order', async () => {
    const clock = new FakeClock(0, Date.UTC(2025, 5, 1, 12));
    const log = new MemoryAuditLog({ clock });
    log.append({
      type: 'admin.action',
      actor: 'admin:ops',
      reason: 'isolate',
      data: { model: 'a', apiKey: 'sk-abcdef123456' },
    });
    await clock.advance(1500);
    log.append({ type: 'breaker.opened', actor: 'system', reason: 'failures' });
    const [first, second] = log.query();
    expect(first).toMatchObject({
      seq: 1,
      ts: '2025-06-01T12:00:00.000Z',
      prevHash: GENESIS_HASH,
      data: { model: 'a', apiKey: '[redacted]' },
    });
    expect(second).toMatchObject({ seq: 2, ts: '2025-06-01T12:00:01.500Z', prevHash: first!.hash, data: {} });
    const { hash, ...unsigned } = first!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(computeAuditHash(unsigned));
    expect(log.verify()).toMatchObject({
      ok: true,
      records: 2,
      defects: [],
      headSeq: 2,
      headHash: second!.hash,
    });
  });

  it('filters by type, actor and sinceSeq, with limit and order', () => {
    const log = new MemoryAuditLog();
    appendMany(log, 30);
    expect(log.query({ type: 'breaker.opened' }).map((r) => r.seq)).toEqual([
      3, 6, 9, 12, 15, 18, 21, 24, 27, 30,
    ]);
    expect(log.query({ actor: 'admin:ops', sinceSeq: 10 }).map((r) => r.seq)).toEqual([15, 20, 25, 30]);
    expect(log.query({ sinceSeq: 5, limit: 3 }).map((r) => r.seq)).toEqual([6, 7, 8]);
    expect(log.query({ limit: 2, order: 'desc' }).map((r) => r.seq)).toEqual([30, 29]);
    expect(log.query({ sinceSeq: 28, order: 'desc' }).map((r) => r.seq)).toEqual([30, 29]);
    expect(() => log.query({ limit: 0 })).toThrow(/"limit"/);
    expect(() => log.query({ sinceSeq: -1 })).toThrow(/"sinceSeq"/);
  });

  it('returns copies: mutating a query result does not change the log', () => {
    const log = new MemoryAuditLog();
    appendMany(log, 2);
    const [r] = log.query();
    (r!.data as Record<string, unknown>)['i'] = 99;
    expect(log.query()[0]!.data['i']).toBe(1);
    expect(log.verify().ok).toBe(true);
  });

  it('rejects invalid input with an error naming the field, and does not advance the chain', () => {
    const log = new MemoryAuditLog();
    expect(() => log.append({ type: '', actor: 'system', reason: 'x' })).toThrow(/"type"/);
    expect(() => log.append({ type: 't', actor: 42 as unknown as string, reason: 'x' })).toThrow(/"actor"/);
    expect(() => log.append({ type: 't', actor: 'a', reason: undefined as unknown as string })).toThrow(
      /"reason"/,
    );
    log.append({ type: 't', actor: 'a', reason: '' });
    expect(log.query()[0]!.seq).toBe(1);
  });

  it('hashes and verifies data with a "__proto__" key', () => {
    const log = new MemoryAuditLog();
    log.append({ type: 't', actor: 'a', reason: '', data: JSON.parse('{"__proto__":{"x":1}}') });
    expect(log.verify().ok).toBe(true);
  });

  it('reports appends after close to onError instead of throwing', () => {
    const errors: Error[] = [];
    const log = new MemoryAuditLog({ onError: (e) => errors.push(e) });
    log.close();
    expect(() => log.append({ type: 'flag.changed', actor: 'system', reason: '' })).not.toThrow();
    expect(errors[0]?.message).toMatch(/closed.*flag\.changed/);
    expect(log.size).toBe(0);
  });
});
