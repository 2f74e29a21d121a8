/**
 * The official `openai` client (v6) against the full gateway (config file → engine → Fastify), with a
 * chaos upstream behind it: failover, streaming, errors, flags at 0 % as a plain proxy.
 */
import OpenAI from 'openai';
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

async function start(
  extra: Record<string, unknown> = {},
): Promise<{ gateway: RunningGateway; client: OpenAI }> {
  const dir = tempDir();
  gateway = await startGateway({
    configPath: writeGatewayConfig(dir, chaos.openaiBaseURL, extra),
    port: 0,
    dataDir: dir,
    logger: false,
    probes: false,
  });
  const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  return { gateway, client };
}

describe('gateway with the official openai client', () => {
  it('answers non-streaming requests through the fallback and tells which model served', async () => {
    chaos.upstream.setFaults({ primary: '503' });
    const { client } = await start();
    const { data, response } = await client.chat.completions
      .create({ model: 'primary', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toContain('quick brown fox');
    expect(response.headers.get('x-hive-model')).toBe('backup');
    expect(response.headers.get('x-hive-fallback')).toBe('true');
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('streams through the fallback', async () => {
    chaos.upstream.setFaults({ primary: 'reset' });
    const { client } = await start();
    const stream = await client.chat.completions.create({
      model: 'primary',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain('quick brown fox');
  });

  it('surfaces a mid-stream failure as an error, never as a clean finish', async () => {
    chaos.upstream.setFaults({ primary: { cutAfterChunks: 2 } });
    const { client } = await start();
    const stream = await client.chat.completions.create({
      model: 'primary',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _chunk of stream) {
          // read until the error
        }
      })(),
    ).rejects.toThrow();
  });

  it('returns an upstream 4xx as is, with no fallback', async () => {
    chaos.upstream.setFaults({ primary: '404' });
    const { client } = await start();
    await expect(
      client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 404 });
    expect(chaos.upstream.stats().models.backup?.requests ?? 0).toBe(0);
  });

  it('returns OpenAI-shaped errors: unknown model 404, exhausted 5xx', async () => {
    chaos.upstream.setFaults({ primary: '503', backup: '503' });
    const { client } = await start();
    await expect(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 404,
    });
    const err = await client.chat.completions
      .create({ model: 'primary', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify((err as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(
      'sk-upstream-secret',
    );
  });

  it('acts as a plain proxy with every flag off: no retry, no fallback', async () => {
    chaos.upstream.setFaults({ primary: '503' });
    const { client } = await start({
      flags: { health: 'off', breaker: 'off', retries: 'off', fallback: 'off', hedging: 'off' },
    });
    await expect(
      client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 503 });
    const stats = chaos.upstream.stats().models;
    expect(stats.primary?.requests).toBe(1);
    expect(stats.backup?.requests ?? 0).toBe(0);
  });

  it('records fallbacks and breaker transitions in a verifiable audit log', async () => {
    chaos.upstream.setFaults({ primary: '500' });
    const { gateway } = await start();
    for (let i = 0; i < 6; i++) {
      await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'x' }] }),
      });
    }
    await gateway.audit.flush();
    const res = await fetch(`${gateway.url}/admin/v1/audit?limit=100`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('request.fallback');
    expect(text).toContain('breaker.open');
    // Six fallbacks, counted per (model pair, reason): one record per group, the counts add up.
    const fallbacks = (
      JSON.parse(text) as { records: { type: string; data: { count: number } }[] }
    ).records.filter((r) => r.type === 'request.fallback');
    expect(fallbacks.length).toBeLessThanOrEqual(2);
    expect(fallbacks.reduce((n, r) => n + r.data.count, 0)).toBe(6);
    expect(text).not.toContain('sk-upstream-secret');
    const verify = await fetch(`${gateway.url}/admin/v1/audit/verify`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(((await verify.json()) as { ok: boolean }).ok).toBe(true);
  });
});
