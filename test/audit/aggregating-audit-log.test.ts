import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AggregateGroup, AggregatingAuditLog } from '../../src/audit/aggregating-audit-log.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { SqliteAuditLog } from '../../src/audit/sqlite-audit-log.js';
import { verifyAuditDatabase } from '../../src/audit/sqlite-audit-store.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';

interface Decision {
  readonly from: string;
  readonly to: string;
}
const describeDecision = (d: Decision): AggregateGroup => ({
  type: 'request.fallback',
  actor: 'system',
  reason: `${d.from} -> ${d.to}`,
  data: { from: d.from, to: d.to },
});
const count = (log: AggregatingAuditLog, d: Decision, id: string, detail?: string) =>
  log.count(`${d.from}\0${d.to}`, id, d, describeDecision, detail);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hive-audit-agg-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('AggregatingAuditLog', () => {
  it('turns 5,000 decisions of one window into one record with the count, samples and times', async () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 60_000 });
    const pair = { from: 'primary', to: 'backup' };
    for (let i = 0; i < 5000; i++) {
      count(log, pair, `req-${i}`, i % 2 ? 'chain-a' : 'chain-b');
      if (i % 1000 === 999) await clock.advance(10_000);
    }
    expect(inner.size).toBe(0); // nothing written inside the window
    expect(clock.pendingTimers).toBe(1); // one timer for the window
    await clock.advance(10_000); // the window ends 60 s after its first decision
    expect(clock.pendingTimers).toBe(0);
    const records = log.query({ type: 'request.fallback' });
    expect(records).toHaveLength(1);
    const data = records[0]!.data;
    expect(data).toMatchObject({ from: 'primary', to: 'backup', count: 5000 });
    expect(data['sampleRequestIds']).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    expect(data['details']).toEqual(['chain-b', 'chain-a']);
    expect(data['windowStart']).toBe('2025-01-01T00:00:00.000Z');
    expect(data['lastAt']).toBe('2025-01-01T00:00:40.000Z');
    expect(data['windowEnd']).toBe('2025-01-01T00:01:00.000Z');
    expect(records[0]!.reason).toContain('×5000');
    expect(log.verify().ok).toBe(true);
  });

  it('writes one record per group and window, state changes at once, through one chain', async () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 1000 });
    count(log, { from: 'a', to: 'b' }, '1');
    log.append({ type: 'breaker.open', actor: 'system', reason: 'a opened' });
    count(log, { from: 'a', to: 'c' }, '2');
    count(log, { from: 'a', to: 'b' }, '3');
    expect(log.query().map((r) => r.type)).toEqual(['breaker.open']);
    await clock.advance(1000);
    count(log, { from: 'a', to: 'b' }, '4'); // a new window
    await clock.advance(1000);
    const fallbacks = log.query({ type: 'request.fallback' }).map((r) => [r.data['to'], r.data['count']]);
    expect(fallbacks).toEqual([
      ['b', 2],
      ['c', 1],
      ['b', 1],
    ]);
    expect(log.verify()).toMatchObject({ ok: true, records: 4 });
  });

  it('bounds the groups of a window: beyond maxGroups, one overflow record per type', async () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 1000, maxGroups: 3 });
    for (let i = 0; i < 1000; i++) count(log, { from: 'a', to: `m${i}` }, String(i));
    await clock.advance(1000);
    const records = log.query();
    expect(records).toHaveLength(4);
    expect(records[3]!.data).toMatchObject({ overflow: true, count: 997 });
  });

  it('a key counted again after its window was written opens a new group, even beyond maxGroups', async () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 1000, maxGroups: 1 });
    const key = 'a\0b'; // one string object counted again and again, as an outage's decision is
    const counted = (id: string) => log.count(key, id, { from: 'a', to: 'b' }, describeDecision);
    counted('1');
    count(log, { from: 'a', to: 'c' }, '2'); // beyond maxGroups: the overflow group
    count(log, { from: 'a', to: 'c' }, '3'); // the same decision again: still the overflow group
    counted('4');
    await clock.advance(1000);
    counted('5'); // a new window: a new group, not the written one
    await clock.advance(1000);
    expect(
      log.query().map((r) => [r.data['to'] ?? 'overflow', r.data['count'], r.data['sampleRequestIds']]),
    ).toEqual([
      ['b', 2, ['1', '4']],
      ['overflow', 2, ['2', '3']],
      ['b', 1, ['5']],
    ]);
  });

  it('takes the decision times from the caller when given (the events carry them)', async () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 60_000 });
    const start = clock.wallNow();
    for (const offset of [5, 7, 6])
      log.count('k', `r${offset}`, { from: 'a', to: 'b' }, describeDecision, undefined, start + offset);
    await clock.advance(60_000);
    expect(log.query()[0]!.data).toMatchObject({
      count: 3,
      firstAt: new Date(start + 5).toISOString(),
      lastAt: new Date(start + 7).toISOString(), // the latest decision, whatever the order they came in
      windowStart: new Date(start + 5).toISOString(),
    });
  });

  it('flush and close write the open window; close stops its timer', async () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 60_000 });
    count(log, { from: 'a', to: 'b' }, '1');
    await log.flush();
    expect(inner.size).toBe(1);
    count(log, { from: 'a', to: 'b' }, '2');
    log.close();
    expect(inner.size).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    const errors: Error[] = [];
    const closed = new AggregatingAuditLog(new MemoryAuditLog({ clock, onError: (e) => errors.push(e) }), {
      clock,
    });
    closed.close();
    count(closed, { from: 'a', to: 'b' }, '3');
    expect(errors[0]?.message).toMatch(/closed/);
  });

  it('a window of 0 writes every decision at once', () => {
    const clock = new FakeClock();
    const inner = new MemoryAuditLog({ clock });
    const log = new AggregatingAuditLog(inner, { clock, windowMs: 0 });
    count(log, { from: 'a', to: 'b' }, '1');
    count(log, { from: 'a', to: 'b' }, '2');
    expect(inner.size).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects bad options naming the field', () => {
    const inner = new MemoryAuditLog();
    expect(() => new AggregatingAuditLog(inner, { windowMs: -1 })).toThrow(/windowMs/);
    expect(() => new AggregatingAuditLog(inner, { maxSamples: 0 })).toThrow(/maxSamples/);
    expect(() => new AggregatingAuditLog(inner, { maxGroups: 1.5 })).toThrow(/maxGroups/);
  });

  it('on SQLite: 20,000 decisions add one row; query, verify and the file verifier see it', async () => {
    const clock = new FakeClock();
    const sqlite = new SqliteAuditLog({ dataDir: dir, clock });
    const log = new AggregatingAuditLog(sqlite, { clock, windowMs: 60_000 });
    for (let i = 0; i < 20_000; i++) count(log, { from: 'primary', to: 'backup' }, `r${i}`);
    await clock.advance(60_000);
    await log.flush();
    expect(log.query({ type: 'request.fallback' }).map((r) => r.data['count'])).toEqual([20_000]);
    expect(log.verify()).toMatchObject({ ok: true, records: 1 });
    log.close();
    expect(verifyAuditDatabase(sqlite.path)).toMatchObject({ ok: true, records: 1 });
  });
});
