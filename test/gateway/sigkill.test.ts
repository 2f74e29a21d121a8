/**
 * The gateway killed with SIGKILL under load, restarted on the same data directory: the audit chain still
 * verifies, nothing committed before the kill is lost, and the restarted gateway continues the chain.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AUDIT_DB_FILE, verifyAuditDatabase } from '../../src/audit/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { killChildGateways, spawnChildGateway } from './child-gateway.js';
import { tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
afterEach(() => {
  killChildGateways();
});

function rowCount(dataDir: string): number {
  const db = new Database(join(dataDir, AUDIT_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM audit_records').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function post(url: string): Promise<number> {
  try {
    const r = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'x' }] }),
    });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

describe('audit log across a SIGKILL', () => {
  it('verifies after kill -9 under load and continues after restart', async () => {
    // Every request falls back, and with no aggregation window each fallback writes a record at once.
    chaos.upstream.setFaults({ primary: { sequence: ['503'], repeat: true } });
    const dir = tempDir();
    const config = writeGatewayConfig(dir, chaos.openaiBaseURL, {
      audit: { aggregateWindow: 0 },
      models: {
        primary: {
          provider: 'openai',
          baseURL: chaos.openaiBaseURL,
          fallbacks: ['backup'],
          maxRetries: 0,
          circuitBreakerThreshold: 1000000,
        },
        backup: { provider: 'openai', baseURL: chaos.openaiBaseURL },
      },
    });
    const first = await spawnChildGateway('serve.ts', config, dir);
    // Load from 8 concurrent loops until a few hundred records exist (bounded), then kill -9 mid-load.
    let stop = false;
    const loops = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 2000 && !stop; i++) await post(first.url);
    });
    let before = 0;
    for (let i = 0; i < 400 && before < 300; i++) {
      await new Promise((r) => setTimeout(r, 25));
      before = rowCount(dir);
    }
    expect(before).toBeGreaterThanOrEqual(300);
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(loops);
    await new Promise<void>((r) =>
      first.child.exitCode !== null || first.child.signalCode ? r() : first.child.once('exit', () => r()),
    );

    const afterKill = verifyAuditDatabase(join(dir, AUDIT_DB_FILE));
    expect(afterKill.defects).toEqual([]);
    expect(afterKill.ok).toBe(true);
    expect(afterKill.records).toBeGreaterThanOrEqual(before);

    const second = await spawnChildGateway('serve.ts', config, dir);
    for (let i = 0; i < 20; i++) expect(await post(second.url)).toBe(200);
    second.child.kill('SIGTERM');
    await new Promise<void>((r) =>
      second.child.exitCode !== null ? r() : second.child.once('exit', () => r()),
    );
    const afterRestart = verifyAuditDatabase(join(dir, AUDIT_DB_FILE));
    expect(afterRestart.ok).toBe(true);
    expect(afterRestart.records).toBeGreaterThan(afterKill.records);
  }, 60_000);
});
