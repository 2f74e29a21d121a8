/**
 * Hot reload through the admin API on the real gateway: an invalid file is rejected with its problems
 * named and the running config kept; a valid one adds a model while breaker state carries over.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { TEST_ADMIN_KEY, tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

async function modelIds(url: string): Promise<string[]> {
  const res = await fetch(`${url}/v1/models`);
  return ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
}

describe('config reload', () => {
  it('rejects an invalid file and keeps serving; applies a valid one', async () => {
    const dir = tempDir();
    const path = writeGatewayConfig(dir, chaos.openaiBaseURL);
    gateway = await startGateway({
      configPath: path,
      port: 0,
      dataDir: ':memory:',
      logger: false,
      probes: false,
    });
    const url = gateway.url;
    const isolate = await fetch(`${url}/admin/v1/breakers/primary/isolate`, {
      method: 'POST',
      headers: admin,
    });
    expect(isolate.status).toBe(200);

    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace('timeout: 5s', 'timeout: whenever'));
    const bad = await fetch(`${url}/admin/v1/config/reload`, { method: 'POST', headers: admin });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('timeout: expected a duration like');
    expect(await modelIds(url)).toEqual(['primary', 'backup']);

    writeFileSync(
      path,
      original.replace(
        'models:\n',
        `models:\n  extra:\n    provider: openai\n    baseURL: ${chaos.openaiBaseURL}\n`,
      ),
    );
    const good = await fetch(`${url}/admin/v1/config/reload`, { method: 'POST', headers: admin });
    expect(good.status).toBe(200);
    expect((await modelIds(url)).sort()).toEqual(['backup', 'extra', 'primary']);
    const breakers = (await (await fetch(`${url}/admin/v1/breakers`, { headers: admin })).json()) as {
      breakers: Array<{ model: string; state: string }>;
    };
    expect(breakers.breakers.find((b) => b.model === 'primary')?.state).toBe('isolated');
  });
});
