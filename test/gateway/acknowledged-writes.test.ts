/**
 * Nothing acknowledged is lost: a gateway process SIGKILLed the instant it answered an admin write still
 * has that write's audit record after the kill, and a flag override with a fractional percentage survives
 * the restart. Real child gateway processes on one SQLite data directory.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_DB_FILE, SqliteAuditLog, verifyAuditDatabase } from '../../src/audit/index.js';
import { closedPortURL } from '../helpers/chaos-upstream.js';
import { killChildGateways, spawnChildGateway } from './child-gateway.js';
import { TEST_ADMIN_KEY, tempDir, writeGatewayConfig } from './gateway-fixtures.js';

afterEach(() => {
  killChildGateways();
});

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };

function recordsOf(dataDir: string): Array<{ type: string; data: Record<string, unknown> }> {
  const log = new SqliteAuditLog({ dataDir });
  try {
    return log.query({ limit: 10_000 });
  } finally {
    log.close();
  }
}

describe('admin writes across a SIGKILL right after the answer', () => {
  it('keeps every acknowledged breaker action and flag change, fractional percentages included', async () => {
    const dir = tempDir();
    const config = writeGatewayConfig(dir, `${await closedPortURL()}/v1`);
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/admin/v1/breakers/primary/isolate'],
      ['PUT', '/admin/v1/flags/hedging', { mode: 'percent', percent: 12.5 }],
      ['POST', '/admin/v1/breakers/backup/close'],
    ];
    for (const [method, path, body] of writes) {
      const g = await spawnChildGateway('serve-die-after-ack.ts', config, dir);
      const res = await fetch(`${g.url}${path}`, {
        method,
        headers: body ? admin : { authorization: admin.authorization },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status).toBe(200);
      await g.exited;
      expect(g.child.signalCode).toBe('SIGKILL');
    }
    const records = recordsOf(dir);
    const actions = records.filter((r) => r.type === 'admin.action').map((r) => r.data['action']);
    expect(actions).toEqual(['breaker.isolate', 'breaker.close']);
    expect(records.filter((r) => r.type === 'flag.changed').map((r) => r.data['to'])).toEqual(['12.5%']);
    expect(verifyAuditDatabase(join(dir, AUDIT_DB_FILE)).ok).toBe(true);

    // The fractional override is restored by the next start.
    const g = await spawnChildGateway('serve.ts', config, dir);
    const flags = (await (await fetch(`${g.url}/admin/v1/flags`, { headers: admin })).json()) as {
      flags: Record<string, unknown>;
      overrides: string[];
    };
    expect(flags.flags['hedging']).toEqual({ mode: 'percent', percent: 12.5 });
    expect(flags.overrides).toEqual(['hedging']);
    g.child.kill('SIGKILL');
  }, 60_000);
});
