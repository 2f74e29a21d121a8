import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/audit/audit-record.js';
import { SqliteAuditLog } from '../../src/audit/sqlite-audit-log.js';
import { AUDIT_TABLE, verifyAuditDatabase } from '../../src/audit/sqlite-audit-store.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { appendMany, resign } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hive-audit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A raw connection with the append-only triggers removed, as a tamperer would do. */
function tamper(path: string, fn: (db: Database.Database) => void): void {
  const db = new Database(path);
  db.exec(`DROP TRIGGER ${AUDIT_TABLE}_no_update; DROP TRIGGER ${AUDIT_TABLE}_no_delete;`);
  fn(db);
  db.close();
}

function seeded(n = 40): string {
  const log = new SqliteAuditLog({ dataDir: join(dir, 'nested', 'data') });
  appendMany(log, n);
  log.close();
  return log.path;
}

const kinds = (path: string) => verifyAuditDatabase(path).defects.map((d) => [d.seq, d.kind]);

describe('SqliteAuditLog', () => {
  it('creates the data directory, uses WAL with synchronous=FULL, and writes per tick', async () => {
    const log = new SqliteAuditLog({ dataDir: join(dir, 'a', 'b'), clock: new FakeClock() });
    const reader = new Database(log.path, { readonly: true });
    expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    const count = () => reader.prepare(`SELECT count(*) AS n FROM ${AUDIT_TABLE}`).get() as { n: number };
    appendMany(log, 25);
    expect(count().n).toBe(0); // hashed, not yet written
    expect(log.pendingCount).toBe(25);
    await nextTick();
    expect(count().n).toBe(25);
    appendMany(log, 5, 26);
    log.flush();
    expect(count().n).toBe(30);
    reader.close();
    log.close();
  });

  it('continues the chain when reopened, and verifies', () => {
    const path = seeded(10);
    const log = new SqliteAuditLog({ path });
    appendMany(log, 3, 11);
    const records = log.query({ limit: 100 });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[10]!.prevHash).toBe(records[9]!.hash);
    expect(log.verify()).toMatchObject({ ok: true, records: 13, headSeq: 13 });
    log.close();
    expect(verifyAuditDatabase(path)).toMatchObject({ ok: true, records: 13 });
  });

  it('queries by type, actor, sinceSeq, limit and order; stored data is redacted', () => {
    const log = new SqliteAuditLog({ path: join(dir, 'q.sqlite') });
    appendMany(log, 30);
    log.append({
      type: 'config.reloaded',
      actor: 'admin:ops',
      reason: 'Bearer abcdefghij',
      data: { token: 't', n: 1 },
    });
    expect(log.query({ type: 'breaker.opened', sinceSeq: 20 }).map((r) => r.seq)).toEqual([21, 24, 27, 30]);
    expect(log.query({ actor: 'admin:ops', limit: 2, order: 'desc' }).map((r) => r.seq)).toEqual([31, 30]);
    expect(log.query({ type: 'config.reloaded' })[0]).toMatchObject({
      reason: 'Bearer [redacted]',
      data: { token: '[redacted]', n: 1 },
    });
    expect(() => log.query({ limit: 1e9 })).toThrow(/"limit"/);
    log.close();
  });

  it('refuses UPDATE and DELETE through its triggers', () => {
    const path = seeded(3);
    const db = new Database(path);
    expect(() => db.prepare(`UPDATE ${AUDIT_TABLE} SET reason = 'x' WHERE seq = 1`).run()).toThrow(
      /append-only/,
    );
    expect(() => db.prepare(`DELETE FROM ${AUDIT_TABLE} WHERE seq = 1`).run()).toThrow(/append-only/);
    db.close();
  });

  it('reports a failed write to onError without throwing, keeps the records and retries them', () => {
    const errors: Error[] = [];
    const log = new SqliteAuditLog({ path: join(dir, 'f.sqlite'), onError: (e) => errors.push(e) });
    appendMany(log, 2);
    log.flush();
    const other = new Database(log.path);
    other.prepare(`INSERT INTO ${AUDIT_TABLE} VALUES (3, 't', 't', 'a', 'r', '{}', 'p', 'h')`).run();
    appendMany(log, 2, 3);
    expect(() => log.flush()).not.toThrow();
    expect(errors[0]?.message).toMatch(/audit write of 2 record\(s\) failed/);
    expect(log.pendingCount).toBe(2);
    other.exec(`DROP TRIGGER ${AUDIT_TABLE}_no_delete; DELETE FROM ${AUDIT_TABLE} WHERE seq = 3;`);
    other.close();
    log.flush();
    expect(log.pendingCount).toBe(0);
    expect(log.verify()).toMatchObject({ ok: true, records: 4 });
    log.close();
    log.append({ type: 'late', actor: 'system', reason: '' });
    expect(errors.at(-1)?.message).toMatch(/closed/);
  });

  it('verifyAuditDatabase names a missing file or a non-audit database', () => {
    expect(() => verifyAuditDatabase(join(dir, 'nope.sqlite'))).toThrow(
      /cannot open audit database .*nope\.sqlite/,
    );
    const other = join(dir, 'other.sqlite');
    new Database(other).close();
    expect(() => verifyAuditDatabase(other)).toThrow(/not an audit database/);
    const text = join(dir, 'text.sqlite');
    writeFileSync(text, 'hello, not sqlite at all, just some text to fill the header bytes....');
    expect(() => verifyAuditDatabase(text)).toThrow(/text\.sqlite/);
  });
});

describe('SqliteAuditLog tamper detection', () => {
  it('an edited row → hash_mismatch at that seq', () => {
    const path = seeded();
    tamper(path, (db) => db.prepare(`UPDATE ${AUDIT_TABLE} SET data = '{"i":999}' WHERE seq = 17`).run());
    expect(kinds(path)).toEqual([[17, 'hash_mismatch']]);
  });

  it('a deleted row → seq_gap at that seq', () => {
    const path = seeded();
    tamper(path, (db) => db.prepare(`DELETE FROM ${AUDIT_TABLE} WHERE seq = 23`).run());
    expect(kinds(path)).toEqual([[23, 'seq_gap']]);
  });

  it('a forged row inserted mid-chain (later rows renumbered) → inserted_record, then renumbered rows', () => {
    const path = seeded();
    tamper(path, (db) => {
      const prev = db.prepare(`SELECT * FROM ${AUDIT_TABLE} WHERE seq = 10`).get() as {
        hash: string;
        ts: string;
      };
      db.exec(
        `UPDATE ${AUDIT_TABLE} SET seq = -seq WHERE seq > 10; UPDATE ${AUDIT_TABLE} SET seq = 1 - seq WHERE seq < 0;`,
      );
      const forged = resign({
        seq: 11,
        ts: prev.ts,
        type: 'admin.action',
        actor: 'admin:root',
        reason: 'approved',
        data: {},
        prevHash: prev.hash,
      });
      db.prepare(`INSERT INTO ${AUDIT_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
        forged.seq,
        forged.ts,
        forged.type,
        forged.actor,
        forged.reason,
        '{}',
        forged.prevHash,
        forged.hash,
      );
    });
    const report = verifyAuditDatabase(path);
    expect(report.defects.map((d) => [d.seq, d.kind])).toEqual([
      [11, 'inserted_record'],
      [12, 'seq_out_of_order'],
    ]);
    expect(report.defects[1]!.message).toMatch(/12\.\.41 .*renumbered by \+1/);
  });

  it('two swapped rows → seq_out_of_order at both', () => {
    const path = seeded();
    tamper(path, (db) => {
      const cols = 'ts, type, actor, reason, data, prev_hash, hash';
      const a = db.prepare(`SELECT ${cols} FROM ${AUDIT_TABLE} WHERE seq = 20`).raw().get() as unknown[];
      const b = db.prepare(`SELECT ${cols} FROM ${AUDIT_TABLE} WHERE seq = 21`).raw().get() as unknown[];
      const set = db.prepare(
        `UPDATE ${AUDIT_TABLE} SET ts = ?, type = ?, actor = ?, reason = ?, data = ?, prev_hash = ?, hash = ? WHERE seq = ?`,
      );
      set.run(...b, 20);
      set.run(...a, 21);
    });
    const report = verifyAuditDatabase(path);
    expect(report.defects.map((d) => [d.seq, d.kind])).toEqual([
      [20, 'seq_out_of_order'],
      [21, 'seq_out_of_order'],
    ]);
    expect(report.defects[0]!.message).toMatch(/position 20 holds record 21/);
  });

  it('a row whose data is not JSON → malformed', () => {
    const path = seeded(5);
    tamper(path, (db) => db.prepare(`UPDATE ${AUDIT_TABLE} SET data = 'not json' WHERE seq = 2`).run());
    expect(kinds(path)).toContainEqual([2, 'malformed']);
  });
});
