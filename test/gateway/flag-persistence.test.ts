/**
 * A runtime flag override outlives a gateway restart over the same SQLite audit log (a real file in a
 * temp data dir), and a cleared one does not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { closedPortURL } from '../helpers/chaos-upstream.js';
import { TEST_ADMIN_KEY, tempDir, writeGatewayConfig } from './gateway-fixtures.js';

let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const json = { ...admin, 'content-type': 'application/json' };

async function boot(dir: string, configPath: string): Promise<RunningGateway> {
  gateway = await startGateway({ configPath, port: 0, dataDir: dir, logger: false, probes: false });
  return gateway;
}

async function flagsOf(g: RunningGateway): Promise<{ flags: Record<string, unknown>; overrides: string[] }> {
  const res = await fetch(`${g.url}/admin/v1/flags`, { headers: admin });
  expect(res.status).toBe(200);
  return (await res.json()) as { flags: Record<string, unknown>; overrides: string[] };
}

describe('flag overrides across a restart (SQLite audit log)', () => {
  it('keeps a set override and forgets a cleared one', async () => {
    const dir = tempDir();
    const configPath = writeGatewayConfig(dir, await closedPortURL());
    let g = await boot(dir, configPath);
    const put = (feature: string, body: unknown) =>
      fetch(`${g.url}/admin/v1/flags/${feature}`, {
        method: 'PUT',
        headers: json,
        body: JSON.stringify(body),
      });
    expect((await put('fallback', { mode: 'off' })).status).toBe(200);
    expect((await put('retries', { mode: 'percent', percent: 20 })).status).toBe(200);
    const del = await fetch(`${g.url}/admin/v1/flags/retries`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(200);
    await g.close();
    gateway = undefined;

    g = await boot(dir, configPath);
    const after = await flagsOf(g);
    expect(after.flags['fallback']).toEqual({ mode: 'off' });
    expect(after.flags['retries']).toEqual({ mode: 'on' });
    expect(after.overrides).toEqual(['fallback']);
    const verify = await fetch(`${g.url}/admin/v1/audit/verify`, { headers: admin });
    expect(((await verify.json()) as { ok: boolean }).ok).toBe(true);
  });
});
