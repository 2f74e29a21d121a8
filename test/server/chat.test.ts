import { afterEach, describe, expect, it } from 'vitest';
import { attempt, chunk, completion, engineFailure, FakeStream } from './fake-backend.js';
import { chatBody, type Harness, harness, sseData } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.app.close();
});

describe('POST /v1/chat/completions (non-streaming)', () => {
  it('serves a completion with x-request-id and x-hive-model (one attempt, no fallback: no more)', async () => {
    h = await harness();
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() });
    expect(res.statusCode).toBe(200);
    expect(res.json().choices[0].message.content).toBe('hello from gpt-a');
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers['x-hive-model']).toBe('gpt-a');
    expect(res.headers['x-hive-attempts']).toBeUndefined();
    expect(res.headers['x-hive-fallback']).toBeUndefined();
    expect(h.backend.requests[0]!.requestId).toBe(res.headers['x-request-id']);
  });

  it('keeps a sane client x-request-id and replaces an insane one', async () => {
    h = await harness();
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { 'x-request-id': 'client-123' },
    });
    expect(ok.headers['x-request-id']).toBe('client-123');
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { 'x-request-id': 'has spaces<script>' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^req_/);
  });

  /** The engine serves every request with `model` after `attempts`. */
  function servedAfter(model: string, attempts: ReturnType<typeof attempt>[], fallback: boolean): void {
    h.backend.onComplete = async (req) => ({
      ok: true,
      value: completion(model, 'x'),
      requestId: req.requestId!,
      model,
      attempts,
      fallback,
    });
  }

  it('reports fallback and attempts from the engine result', async () => {
    h = await harness();
    servedAfter('claude-b', [attempt('gpt-a', 'transient', 'transient'), attempt('claude-b')], true);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ model: 'main-chain' }),
    });
    expect(res.headers['x-hive-model']).toBe('claude-b');
    expect(res.headers['x-hive-attempts']).toBe('2');
    expect(res.headers['x-hive-fallback']).toBe('true');
    expect(h.backend.requests[0]!.target).toBe('main-chain');
  });

  it('reports a retry of the same model as attempts without a fallback', async () => {
    h = await harness();
    servedAfter('gpt-a', [attempt('gpt-a', 'transient', 'transient'), attempt('gpt-a')], false);
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() });
    expect(res.headers['x-hive-model']).toBe('gpt-a');
    expect(res.headers['x-hive-attempts']).toBe('2');
    expect(res.headers['x-hive-fallback']).toBeUndefined();
  });

  it('passes x-hive-capabilities to the engine and rejects malformed ones', async () => {
    h = await harness();
    await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { 'x-hive-capabilities': 'tools, JSON' },
    });
    expect(h.backend.requests[0]!.capabilities).toEqual(['tools', 'json']);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { 'x-hive-capabilities': 'tools,<x>' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('x-hive-capabilities');
  });

  it('answers 404 model_not_found for a name that is no model, alias, chain or route', async () => {
    h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ model: 'nope-9' }),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: {
        message: expect.stringContaining('"nope-9"'),
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
      },
    });
    expect(h.backend.requests).toHaveLength(0);
  });

  it.each([
    [
      'exhausted transient',
      engineFailure('transient', [
        attempt('gpt-a', 'transient', 'transient'),
        attempt('claude-b', 'rejected', 'breaker_open'),
      ]),
      502,
      'upstream_exhausted',
    ],
    [
      'all breakers open',
      engineFailure('rejected', [attempt('gpt-a', 'rejected', 'breaker_open')], { retryAfterMs: 4500 }),
      503,
      'upstream_unavailable',
    ],
    [
      'deadline',
      engineFailure('timeout', [attempt('gpt-a', 'timeout', 'deadline')]),
      504,
      'deadline_exceeded',
    ],
    [
      'throttled',
      engineFailure('throttled', [attempt('gpt-a', 'throttled', 'throttled')], { retryAfterMs: 2000 }),
      429,
      'rate_limit_exceeded',
    ],
    [
      'restricted',
      engineFailure('request', [], { code: 'restricted', message: 'No allowed candidate' }),
      403,
      'model_restricted',
    ],
    ['engine not_found', engineFailure('request', [], { code: 'not_found' }), 404, 'model_not_found'],
    [
      'upstream rejected the request',
      engineFailure('request', [attempt('gpt-a', 'request', 'bad_request')]),
      400,
      'invalid_request',
    ],
  ])('maps an engine failure (%s) to status %i and code %s', async (_name, failure, status, code) => {
    h = await harness();
    h.backend.onComplete = async () => failure;
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() });
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(body.error.code).toBe(code);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(res.body).not.toContain('at ');
    if (status === 502) {
      expect(body.error.message).toContain('gpt-a: transient');
      expect(body.error.message).toContain('claude-b: rejected (breaker_open)');
    }
    if (status === 503) expect(res.headers['retry-after']).toBe('5');
    if (status === 429) expect(res.headers['retry-after']).toBe('2');
  });

  it('never leaks a credential echoed in an engine message', async () => {
    h = await harness();
    h.backend.onComplete = async () =>
      engineFailure('account', [attempt('gpt-a', 'account', 'account')], {
        message: 'upstream said: invalid api_key=sk-live-abcdef123456 (Bearer sk-abcdefghijkl)',
      });
    const res = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() });
    expect(res.statusCode).toBe(502);
    expect(res.body).not.toContain('sk-live-abcdef123456');
    expect(res.body).not.toContain('sk-abcdefghijkl');
  });
});

describe('POST /v1/chat/completions (streaming)', () => {
  it('writes data: chunks then data: [DONE] with hive headers', async () => {
    h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ stream: true }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['x-hive-model']).toBe('gpt-a');
    expect(res.headers['x-hive-attempts']).toBeUndefined();
    expect(res.headers['x-hive-fallback']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    const data = sseData(res.body);
    expect(data).toHaveLength(4);
    expect(JSON.parse(data[0]!).choices[0].delta.content).toBe('Hel');
    expect(data[3]).toBe('[DONE]');
    expect(res.body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(h.backend.lastStream!.closed).toBe(true);
  });

  it('keeps the headers hooks set (request id, CORS) next to its own on a stream, each once', async () => {
    h = await harness({ server: { cors: { origins: ['https://dash.example'] } } });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ stream: true }),
      headers: { origin: 'https://dash.example', 'x-request-id': 'req-from-client-1' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-from-client-1');
    expect(res.headers['access-control-allow-origin']).toBe('https://dash.example');
    expect(res.headers['access-control-expose-headers']).toContain('x-hive-model');
    expect(res.headers.vary).toContain('Origin');
    // A header written twice would read as a list here.
    for (const [name, value] of Object.entries(res.headers))
      expect([name, typeof value]).toEqual([name, 'string']);
    expect(res.headers['x-hive-model']).toBe('gpt-a');
  });

  it('ends a stream that fails mid-way with an error event and no [DONE]', async () => {
    h = await harness();
    h.backend.onStream = async (req) => {
      const s = new FakeStream(
        [
          { type: 'chunk', chunk: chunk('gpt-a', 'par') },
          { type: 'error', failure: { ok: false, kind: 'transient', error: new Error('reset') } },
        ],
        'gpt-a',
        [attempt('gpt-a')],
        false,
        req.requestId!,
      );
      return {
        ok: true,
        value: s,
        requestId: s.requestId,
        model: 'gpt-a',
        attempts: s.attempts,
        fallback: false,
      };
    };
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ stream: true }),
    });
    expect(res.statusCode).toBe(200);
    const data = sseData(res.body);
    expect(data).toHaveLength(2);
    const err = JSON.parse(data[1]!);
    expect(err.error.type).toBe('api_error');
    expect(err.error.message).toContain('failed after it started');
    expect(res.body).not.toContain('[DONE]');
  });

  it('answers a JSON error when the stream fails before its first chunk', async () => {
    h = await harness();
    h.backend.onStream = async (req) => {
      const s = new FakeStream(
        [{ type: 'error', failure: { ok: false, kind: 'timeout', error: undefined } }],
        'gpt-a',
        [attempt('gpt-a', 'timeout')],
        false,
        req.requestId!,
      );
      return {
        ok: true,
        value: s,
        requestId: s.requestId,
        model: 'gpt-a',
        attempts: s.attempts,
        fallback: false,
      };
    };
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ stream: true }),
    });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('deadline_exceeded');
  });

  it('answers a JSON error when the engine cannot open a stream', async () => {
    h = await harness();
    h.backend.onStream = async () => engineFailure('transient', [attempt('gpt-a', 'transient')]);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ stream: true }),
    });
    expect(res.statusCode).toBe(502);
    expect(res.headers['x-hive-attempts']).toBe('1');
  });

  it('sends the failover state as headers (model that served after fallback)', async () => {
    h = await harness();
    h.backend.onStream = async (req) => {
      const s = new FakeStream(
        [{ type: 'chunk', chunk: chunk('claude-b', 'x') }, { type: 'done' }],
        'claude-b',
        [attempt('gpt-a', 'transient'), attempt('claude-b')],
        true,
        req.requestId!,
      );
      return { ok: true, value: s, requestId: s.requestId, model: 'gpt-a', attempts: [], fallback: false };
    };
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ stream: true }),
    });
    expect(res.headers['x-hive-model']).toBe('claude-b');
    expect(res.headers['x-hive-attempts']).toBe('2');
    expect(res.headers['x-hive-fallback']).toBe('true');
  });
});

describe('public routes', () => {
  it('lists models in OpenAI shape with the hive extension', async () => {
    h = await harness();
    const res = await h.app.inject({ method: 'GET', url: '/v1/models' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.object).toBe('list');
    expect(body.data[0]).toMatchObject({
      id: 'gpt-a',
      object: 'model',
      owned_by: 'openai',
      hive: { aliases: ['fast'], health: { status: 'healthy' }, breaker: 'closed' },
    });
  });

  it('answers live and ready, and 503 when not ready', async () => {
    h = await harness();
    expect((await h.app.inject({ url: '/health/live' })).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject({ url: '/health/ready' })).statusCode).toBe(200);
    h.backend.isReady = false;
    const res = await h.app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready' });
  });

  it('serves /metrics from the hook, 404 without one', async () => {
    h = await harness();
    expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(404);
    await h.app.close();
    const { createGatewayServer } = await import('../../src/server/app.js');
    const { FakeBackend } = await import('./fake-backend.js');
    const app = await createGatewayServer({
      backend: new FakeBackend(),
      logger: false,
      metrics: { contentType: 'text/plain; version=0.0.4', render: async () => 'hive_requests_total 3\n' },
    });
    h = { ...h, app };
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(res.body).toBe('hive_requests_total 3\n');
  });

  it('answers unknown routes with a 404 in OpenAI shape', async () => {
    h = await harness();
    const res = await h.app.inject({ url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.type).toBe('not_found_error');
  });
});
