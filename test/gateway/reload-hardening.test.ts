/**
 * A tired operator's reloads on the real gateway: what `serve` and `config validate` refuse (an empty or
 * truncated file, zero models, an invalid security section) reload refuses too, with the same messages,
 * and the gateway keeps serving; a valid reload applies revoked client and admin keys at once, and names
 * the sections that need a restart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, readConfig, startGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { TEST_ADMIN_KEY, tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const SECOND_ADMIN = 'second-admin-key-0123456789';
const CLIENT_A = 'client-a-key-0123456789';
const CLIENT_B = 'client-b-key-0123456789';
const security = (clients: string[], admins: string[]) => ({
  clientKeys: clients.map((key, i) => ({ name: `client${i}`, key })),
  adminKeys: admins.map((key, i) => ({ name: `admin${i}`, key, scope: 'admin' })),
});

async function boot(): Promise<{ path: string; url: string }> {
  const path = writeGatewayConfig(tempDir(), chaos.openaiBaseURL, {
    security: security([CLIENT_A, CLIENT_B], [TEST_ADMIN_KEY, SECOND_ADMIN]),
  });
  gateway = await startGateway({
    configPath: path,
    port: 0,
    dataDir: ':memory:',
    logger: false,
    probes: false,
  });
  return { path, url: gateway.url };
}

const reload = (url: string, key = TEST_ADMIN_KEY) =>
  fetch(`${url}/admin/v1/config/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });

async function chat(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** What `config validate` / `serve` say about the file. */
async function validateErrors(path: string): Promise<string[]> {
  const loaded = await readConfig(path);
  return loaded.ok ? [] : loaded.errors;
}

describe('reload refuses what serve refuses', () => {
  it.each([
    ['an empty file', () => ''],
    // Cut off in the middle of a line, as a copy that ran out of disk leaves it.
    ['a truncated file', (text: string) => text.slice(0, text.indexOf('adminKeys') + 5)],
    ['zero models', (text: string) => text.replace(/^models:\n(?: {2}.*\n)+/m, 'models: {}\n')],
    ['an invalid security section', (text: string) => text.replace('scope: admin', 'scope: root')],
  ])('%s: 400 with the validate messages, and the gateway keeps serving', async (_name, mutate) => {
    const { path, url } = await boot();
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, mutate(original));
    const expected = await validateErrors(path);
    expect(expected.length).toBeGreaterThan(0);
    await expect(
      startGateway({ configPath: path, port: 0, dataDir: ':memory:', logger: false }),
    ).rejects.toThrow(expected[0]!);
    const res = await reload(url);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; errors: string[] } };
    expect(body.error.code).toBe('invalid_config');
    expect(body.error.errors).toEqual(expected);
    expect(await chat(url, CLIENT_A)).toBe(200);
  });
});

describe('reload applies security changes', () => {
  it('a revoked client key and a revoked admin key stop working at once', async () => {
    const { path, url } = await boot();
    expect(await chat(url, CLIENT_B)).toBe(200);
    expect(
      (await fetch(`${url}/admin/v1/flags`, { headers: { authorization: `Bearer ${SECOND_ADMIN}` } })).status,
    ).toBe(200);
    const original = readFileSync(path, 'utf8');
    writeGatewayConfig(path.replace(/\/hive\.yaml$/, ''), chaos.openaiBaseURL, {
      security: security([CLIENT_A], [TEST_ADMIN_KEY]),
    });
    expect(readFileSync(path, 'utf8')).not.toEqual(original);
    const res = await reload(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      ok: true,
      applied: ['models', 'security', 'flags'],
      restartRequired: [],
    });
    expect(await chat(url, CLIENT_B)).toBe(401);
    expect(await chat(url, CLIENT_A)).toBe(200);
    expect(
      (await fetch(`${url}/admin/v1/flags`, { headers: { authorization: `Bearer ${SECOND_ADMIN}` } })).status,
    ).toBe(401);
  });

  it('names the sections that need a restart', async () => {
    const { path, url } = await boot();
    writeGatewayConfig(path.replace(/\/hive\.yaml$/, ''), chaos.openaiBaseURL, {
      security: security([CLIENT_A, CLIENT_B], [TEST_ADMIN_KEY, SECOND_ADMIN]),
      server: { accessLog: false, logLevel: 'silent', bodyLimitBytes: 2048 },
    });
    const res = await reload(url);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, restartRequired: ['server'] });
  });
});
