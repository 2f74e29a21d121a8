import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAuditLog } from '../../src/audit/sqlite-audit-log.js';
import { AUDIT_TABLE, verifyAuditDatabase } from '../../src/audit/sqlite-audit-store.js';

const fixture = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function rowCount(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${AUDIT_TABLE}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet
  }
}

/** Polls until the child has committed at least `min` records (bounded; not a timing assertion). */
async function waitForRows(path: string, min: number, child: ChildProcess): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const n = rowCount(path);
    if (n >= min) return n;
    if (child.exitCode !== null) throw new Error(`writer exited early with code ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`writer did not reach ${min} records`);
}

describe('SqliteAuditLog under kill -9', () => {
  it('leaves whole records and a verifying chain, which a new writer continues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hive-audit-kill-'));
    dirs.push(dir);
    const path = join(dir, 'audit.sqlite');
    let stderr = '';
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );

    const seenBeforeKill = await waitForRows(path, 400, child);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stderr).toBe('');

    const report = verifyAuditDatabase(path);
    expect(report.defects).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.records).toBeGreaterThanOrEqual(seenBeforeKill);

    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const partial = db
      .prepare(
        `SELECT count(*) AS n FROM ${AUDIT_TABLE} WHERE length(hash) <> 64 OR length(prev_hash) <> 64 OR json_valid(data) = 0`,
      )
      .get() as { n: number };
    expect(partial.n).toBe(0);
    const { max } = db.prepare(`SELECT max(seq) AS max FROM ${AUDIT_TABLE}`).get() as { max: number };
    expect(max).toBe(report.records); // gap-free 1..n
    db.close();

    const log = new SqliteAuditLog({ path });
    log.append({ type: 'config.reloaded', actor: 'system', reason: 'restart after crash' });
    log.append({ type: 'admin.action', actor: 'admin:ops', reason: 'checked audit' });
    const [first] = log.query({ sinceSeq: report.headSeq });
    expect(first).toMatchObject({ seq: report.headSeq + 1, prevHash: report.headHash });
    log.close();
    expect(verifyAuditDatabase(path)).toMatchObject({ ok: true, records: report.records + 2 });
  });
});
