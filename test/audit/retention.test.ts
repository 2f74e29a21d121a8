/**
 * Tail truncation is detectable and retention keeps verification working, through the CLI as an operator
 * runs it: `audit verify --expect-head`, a restarted log that does not reuse cut-off sequence numbers, and
 * `audit prune --before … --archive …` with both halves verifying afterwards.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AUDIT_DB_FILE, SqliteAuditLog, verifyAuditDatabase } from '../../src/audit/index.js';
import { tempDir } from '../gateway/gateway-fixtures.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/hive-resilience.js');

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

function writeRecords(dir: string, n: number, from = 0): { seq: number; hash: string } {
  const log = new SqliteAuditLog({ dataDir: dir });
  for (let i = 0; i < n; i++)
    log.append({ type: 'test.event', actor: 'system', reason: `event ${from + i}` });
  log.flush();
  const head = log.verify();
  log.close();
  return { seq: head.headSeq, hash: head.headHash };
}

/** Cuts the newest records off, as a restored old copy or a careful editor would. */
function cutTail(dir: string, keep: number): void {
  const db = new Database(join(dir, AUDIT_DB_FILE));
  db.exec('DROP TRIGGER audit_records_no_delete');
  db.prepare('DELETE FROM audit_records WHERE seq > ?').run(keep);
  db.close();
}

describe('tail truncation', () => {
  it('audit verify --expect-head names a cut-off tail that plain verify cannot see', async () => {
    const dir = tempDir();
    const head = writeRecords(dir, 10);
    const db = ['--db', join(dir, AUDIT_DB_FILE)];
    expect((await cli(['audit', 'verify', ...db, '--expect-head', `${head.seq}:${head.hash}`])).code).toBe(0);
    cutTail(dir, 7);
    expect((await cli(['audit', 'verify', ...db])).code).toBe(0); // the keyless chain's limit
    const res = await cli(['audit', 'verify', ...db, '--expect-head', `${head.seq}:${head.hash}`]);
    expect(res.code).toBe(1);
    expect(res.out).toContain('truncated: expected head 10 is missing (the log ends at 7)');
  }, 30_000);

  it('a restarted log does not reuse the cut-off numbers: the gap stays visible', () => {
    const dir = tempDir();
    writeRecords(dir, 10);
    cutTail(dir, 7);
    const errors: string[] = [];
    const log = new SqliteAuditLog({ dataDir: dir, onError: (e) => errors.push(e.message) });
    log.append({ type: 'after.restart', actor: 'system', reason: 'x' });
    log.flush();
    const records = log.query({ sinceSeq: 7, limit: 10 });
    log.close();
    expect(records.map((r) => [r.seq, r.type])).toEqual([
      [11, 'audit.truncation_detected'],
      [12, 'after.restart'],
    ]);
    expect(errors.join()).toContain('records 8..10 are missing (truncated)');
    const report = verifyAuditDatabase(join(dir, AUDIT_DB_FILE));
    expect(report.ok).toBe(false);
    expect(report.defects).toEqual([expect.objectContaining({ kind: 'seq_gap', seq: 8 })]);
  });
});

describe('retention: archive and prune', () => {
  it('prunes old records into an archive; the rest, the archives and later records all verify', async () => {
    const dir = tempDir();
    writeRecords(dir, 20);
    const db = ['--db', join(dir, AUDIT_DB_FILE)];
    const first = join(dir, 'archive-1.json');
    const pruned = await cli(['audit', 'prune', ...db, '--before', '15', '--archive', first]);
    expect(pruned.out).toContain('moved 14 records');
    expect(pruned.code).toBe(0);
    expect((await cli(['audit', 'verify', ...db])).out).toContain('OK, 6 records verified');
    expect((await cli(['audit', 'verify', '--json', first])).code).toBe(0);

    writeRecords(dir, 5, 20); // the gateway carries on after the checkpoint
    const second = join(dir, 'archive-2.json');
    expect((await cli(['audit', 'prune', ...db, '--before', '22', '--archive', second])).code).toBe(0);
    const verified = await cli(['audit', 'verify', ...db]);
    expect(verified.out).toContain('OK, 4 records verified (head seq 25');
    expect((await cli(['audit', 'verify', '--json', second])).out).toContain('OK, 7 records verified');

    // Pruning does not blunt tamper evidence: an edit in what remains is still found.
    const raw = new Database(join(dir, AUDIT_DB_FILE));
    raw.exec('DROP TRIGGER audit_records_no_update');
    raw.prepare(`UPDATE audit_records SET reason = 'edited' WHERE seq = 23`).run();
    raw.close();
    const tampered = await cli(['audit', 'verify', ...db]);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain('record 23 content does not match its hash');
  }, 60_000);
});
