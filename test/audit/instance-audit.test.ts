/**
 * One chain per instance in a shared data dir: every record carries its instance id, a query merges the
 * chains by time, verification covers each chain and names the one tampered with, and so does the CLI.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_TABLE,
  InstanceAuditLogs,
  instanceAuditFile,
  SqliteAuditLog,
  verifyAuditDirectory,
} from '../../src/audit/index.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { tempDir } from '../gateway/gateway-fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/hive-resilience.js');
const run = promisify(execFile);

async function cliVerify(dir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [BIN, 'audit', 'verify', '--data-dir', dir]);
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

function twoInstances(dir: string) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const a = new SqliteAuditLog({ path: instanceAuditFile(dir, 'a'), instance: 'a', clock });
  const b = new SqliteAuditLog({ path: instanceAuditFile(dir, 'b'), instance: 'b', clock });
  return { clock, a, b, view: new InstanceAuditLogs(a, dir, 'a') };
}

describe('one audit chain per instance', () => {
  it('stamps the instance id, merges the chains by time and verifies them all', async () => {
    const dir = tempDir();
    const { clock, b, view } = twoInstances(dir);
    view.append({ type: 'breaker.open', actor: 'system', reason: 'a1' });
    await clock.advance(10);
    b.append({ type: 'breaker.open', actor: 'system', reason: 'b1', data: { instance: 'forged' } });
    await clock.advance(10);
    view.append({ type: 'flag.changed', actor: 'admin:ops', reason: 'a2' });
    await view.flush();
    await b.flush();
    expect(view.query().map((r) => r.reason)).toEqual(['a1', 'a2']);
    const merged = view.query({ instance: '*' });
    expect(merged.map((r) => [r.reason, r.data['instance']])).toEqual([
      ['a1', 'a'],
      ['b1', 'b'],
      ['a2', 'a'],
    ]);
    expect(view.query({ instance: '*', order: 'desc', limit: 1 }).map((r) => r.reason)).toEqual(['a2']);
    expect(view.query({ instance: 'b' }).map((r) => r.reason)).toEqual(['b1']);
    expect(() => view.query({ instance: '../x' })).toThrow(/instance/);
    const report = view.verify();
    expect(report.ok).toBe(true);
    expect(report.chains.map((c) => [c.instance, c.records, c.ok])).toEqual([
      ['a', 2, true],
      ['b', 1, true],
    ]);
    view.close();
    b.close();
    expect((await cliVerify(dir)).code).toBe(0);
  });

  it('names the chain that was tampered with (API and CLI)', async () => {
    const dir = tempDir();
    const { a, b, view } = twoInstances(dir);
    for (let i = 0; i < 3; i++) {
      a.append({ type: 'x', actor: 'system', reason: `a${i}` });
      b.append({ type: 'x', actor: 'system', reason: `b${i}` });
    }
    await a.flush();
    b.close();
    const raw = new Database(instanceAuditFile(dir, 'b'));
    raw.exec(
      `DROP TRIGGER ${AUDIT_TABLE}_no_update; UPDATE ${AUDIT_TABLE} SET reason = 'edited' WHERE seq = 2;`,
    );
    raw.close();
    const report = view.verify();
    expect(report.ok).toBe(false);
    expect(report.chains.find((c) => c.instance === 'b')?.ok).toBe(false);
    expect(report.chains.find((c) => c.instance === 'a')?.ok).toBe(true);
    expect(report.defects[0]?.message).toMatch(/^b: /);
    expect(verifyAuditDirectory(dir).map((c) => c.ok)).toEqual([true, false]);
    view.close();
    const cli = await cliVerify(dir);
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/audit-a\.sqlite: OK/);
    expect(cli.out).toMatch(/audit-b\.sqlite: TAMPERED/);
    expect(cli.out).toMatch(/2 chains: 1 TAMPERED/);
  });
});
