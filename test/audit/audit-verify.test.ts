import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-record.js';
import { verifyAuditRecords } from '../../src/audit/audit-verify.js';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { formatVerifyReport } from '../../src/audit/verify-report.js';
import { appendMany, resign } from './helpers.js';

function exported(n = 20): AuditRecord[] {
  const log = new MemoryAuditLog();
  appendMany(log, n);
  return log.export();
}

const kinds = (records: AuditRecord[]) => verifyAuditRecords(records).defects.map((d) => [d.seq, d.kind]);

describe('verifyAuditRecords (JSON export)', () => {
  it('accepts an intact chain and an empty one', () => {
    expect(verifyAuditRecords(exported())).toMatchObject({ ok: true, records: 20, defects: [] });
    expect(verifyAuditRecords([])).toMatchObject({ ok: true, records: 0, headSeq: 0 });
  });

  it('names an edited record (hash_mismatch)', () => {
    const rs = exported();
    rs[6] = { ...rs[6]!, reason: 'nothing happened' };
    expect(kinds(rs)).toEqual([[7, 'hash_mismatch']]);
  });

  it('names the successor of an edited and re-signed record (broken_link)', () => {
    const rs = exported();
    const { hash: _h, ...unsigned } = rs[6]!;
    rs[6] = resign({ ...unsigned, actor: 'admin:someone-else' });
    expect(kinds(rs)).toEqual([[8, 'broken_link']]);
  });

  it('names deleted records (seq_gap), including the first one', () => {
    const rs = exported();
    expect(kinds([...rs.slice(0, 9), ...rs.slice(11)])).toEqual([[10, 'seq_gap']]);
    expect(verifyAuditRecords([...rs.slice(0, 9), ...rs.slice(11)]).defects[0]!.message).toMatch(/10\.\.11/);
    expect(kinds(rs.slice(1))).toEqual([[1, 'seq_gap']]);
  });

  it('names an inserted forged record reusing a seq', () => {
    const rs = exported();
    const forged = resign({ ...rs[10]!, reason: 'forged approval', prevHash: rs[9]!.hash });
    expect(kinds([...rs.slice(0, 10), forged, ...rs.slice(10)])).toEqual([[11, 'inserted_record']]);
  });

  it('names a duplicated seq', () => {
    const rs = exported();
    expect(kinds([...rs.slice(0, 11), rs[10]!, ...rs.slice(11)])).toContainEqual([11, 'duplicate_seq']);
  });

  it('names reordered records (seq_out_of_order)', () => {
    const rs = exported();
    [rs[4], rs[5]] = [rs[5]!, rs[4]!];
    const found = kinds(rs);
    expect(found).toContainEqual([6, 'seq_out_of_order']);
    expect(found).toContainEqual([5, 'seq_out_of_order']);
    expect(found.every(([, k]) => k === 'seq_out_of_order')).toBe(true);
  });

  it('names malformed entries and never throws on garbage', () => {
    const rs: unknown[] = exported(3);
    rs[1] = { seq: 2, nonsense: true };
    const report = verifyAuditRecords(rs as AuditRecord[]);
    expect(report.ok).toBe(false);
    expect(report.defects[0]).toMatchObject({ seq: 2, kind: 'malformed' });
    expect(() => verifyAuditRecords([null, 5, 'x'] as unknown as AuditRecord[])).not.toThrow();
  });

  it('caps defects and formats a readable report', () => {
    const rs = exported(50).map((r) => ({ ...r, reason: 'edited' }));
    const report = verifyAuditRecords(rs, { maxDefects: 5 });
    expect(report).toMatchObject({ ok: false, truncated: true });
    expect(report.defects).toHaveLength(5);
    const text = formatVerifyReport(report, 'audit.sqlite');
    expect(text).toMatch(/^audit log audit\.sqlite: TAMPERED/);
    expect(text).toMatch(/seq 1 +hash_mismatch/);
    expect(text).toMatch(/more defects not shown/);
    expect(formatVerifyReport(verifyAuditRecords(exported(3)))).toMatch(
      /OK, 3 records verified \(head seq 3, hash [0-9a-f]{64}\)/,
    );
  });
});
