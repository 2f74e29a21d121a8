import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_ANSWER, parseFaultSpec, startChaosUpstream } from '../../src/chaos/index.js';
import { useChaosUpstream, withChaosUpstream } from '../helpers/chaos-upstream.js';

const chaos = useChaosUpstream();
const chat = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${chaos.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });

describe('chaos upstream', () => {
  it('sequence mode: fails the first two requests, then succeeds', async () => {
    chaos.upstream.setFaults({ flaky: { sequence: ['503', { status: 500 }] } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await chat('flaky')).status);
    expect(statuses).toEqual([503, 500, 200, 200]);
    expect(chaos.upstream.stats().models['flaky']).toEqual({ requests: 4, streamed: 0, faulted: 2 });
  });

  it('repeat and after in sequences; other models are untouched', async () => {
    chaos.upstream.setFaults({
      a: { sequence: ['ok', '429'], repeat: true },
      b: { sequence: ['500'], after: '404' },
    });
    const a = [];
    const b = [];
    for (let i = 0; i < 4; i++) {
      a.push((await chat('a')).status);
      b.push((await chat('b')).status);
    }
    expect(a).toEqual([200, 429, 200, 429]);
    expect(b).toEqual([500, 404, 404, 404]);
    expect((await chat('other')).status).toBe(200);
  });

  it('429 carries Retry-After and an OpenAI-shaped error body', async () => {
    chaos.upstream.setFaults({ '*': { status: 429, retryAfter: 2, retryAfterMs: 1500 } });
    const res = await chat('m');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('1500');
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error.code).toBe('rate_limit_exceeded');
  });

  it('the control endpoint sets, shows and clears faults, and reports stats', async () => {
    const set = await fetch(`${chaos.url}/_chaos/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ m1: 'unauthorized' }),
    });
    expect(set.status).toBe(200);
    expect((await chat('m1')).status).toBe(401);
    await fetch(`${chaos.url}/_chaos/faults?merge=1`, {
      method: 'POST',
      body: JSON.stringify({ m2: '400' }),
    });
    expect(await (await fetch(`${chaos.url}/_chaos/faults`)).json()).toEqual({
      m1: 'unauthorized',
      m2: '400',
    });
    const stats = (await (await fetch(`${chaos.url}/_chaos/stats`)).json()) as {
      models: Record<string, unknown>;
    };
    expect(stats.models['m1']).toEqual({ requests: 1, streamed: 0, faulted: 1 });
    await fetch(`${chaos.url}/_chaos/faults`, { method: 'DELETE' });
    expect((await chat('m1')).status).toBe(200);
  });

  it('a bad fault spec is refused with the path at fault', async () => {
    const res = await fetch(`${chaos.url}/_chaos/faults`, {
      method: 'POST',
      body: JSON.stringify({ m: { latencyMs: 'slow' } }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('m.latencyMs');
    expect(() => parseFaultSpec({ m: 'explode' })).toThrow(/m: expected a fault preset/);
    expect(() => parseFaultSpec({ m: { nope: true } })).toThrow(/m/);
  });

  it('x-chaos-fault header: a preset, a status, or JSON; a bad header is a 400', async () => {
    expect((await chat('h', {}, { 'x-chaos-fault': 'context_length' })).status).toBe(400);
    expect((await chat('h', {}, { 'x-chaos-fault': '529' })).status).toBe(529);
    const wrong = await chat('h', {}, { 'x-chaos-fault': '{"answer":"wrong"}' });
    const body = (await wrong.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe('wrong');
    expect((await chat('h', {}, { 'x-chaos-fault': 'nonsense' })).status).toBe(400);
  });

  it('Anthropic-shaped errors on /v1/messages', async () => {
    chaos.upstream.setFaults({ claude: 'overloaded' });
    const res = await fetch(`${chaos.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(529);
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it('answers GET /v1/models', async () => {
    const res = await fetch(`${chaos.url}/v1/models`);
    const body = (await res.json()) as { object: string; data: Array<{ id: string }> };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toContain('chaos-model');
  });

  it('close() ends stalled streams instead of hanging', async () => {
    await withChaosUpstream({ faults: { '*': 'stall' } }, async (upstream) => {
      const res = await fetch(`${upstream.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      const pending = reader.read().catch(() => 'cut');
      await upstream.close();
      expect(await pending).not.toBeUndefined();
    });
  });

  it('refuses an invalid initial fault spec', async () => {
    await expect(startChaosUpstream({ faults: { m: { status: 42 } } })).rejects.toThrow(/m\.status/);
  });
});

describe('chaos upstream with the official openai client (v6)', () => {
  const client = () => new OpenAI({ baseURL: chaos.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 });

  it('non-streaming and streaming completions parse', async () => {
    const completion = await client().chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe(DEFAULT_CHAOS_ANSWER);
    const stream = await client().chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(text).toBe(DEFAULT_CHAOS_ANSWER);
    expect(usage).toBeGreaterThan(0);
  });

  it('errors surface as the client expects (status, code, headers)', async () => {
    chaos.upstream.setFaults({ 'gpt-x': { status: 429, retryAfter: 1 } });
    const err = await client()
      .chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    chaos.upstream.setFaults({ 'gpt-x': 'context_length' });
    const ctx = await client()
      .chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(ctx).toBeInstanceOf(OpenAI.BadRequestError);
    expect((ctx as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');
  });

  it('models.list() works', async () => {
    const page = await client().models.list();
    expect(page.data.map((m) => m.id)).toContain('chaos-model');
  });
});
