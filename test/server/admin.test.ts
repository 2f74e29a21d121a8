import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { chatBody, type Harness, harness, KEYS } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.app.close();
});

const op = { authorization: `Bearer ${KEYS.operate}` };
const root = { authorization: `Bearer ${KEYS.admin}` };
const reader = { 'x-admin-key': KEYS.read };

describe('breakers', () => {
  it('isolates, releases and closes a breaker', async () => {
    h = await harness();
    const res = await h.app.inject({ method: 'POST', url: '/admin/v1/breakers/gpt-a/isolate', headers: op });
    expect(res.json()).toMatchObject({
      ok: true,
      model: 'gpt-a',
      action: 'isolate',
      breaker: { state: 'isolated' },
    });
    const list = await h.app.inject({ url: '/admin/v1/breakers', headers: reader });
    expect(list.json().breakers).toContainEqual(
      expect.objectContaining({ model: 'gpt-a', state: 'isolated' }),
    );
    await h.app.inject({ method: 'POST', url: '/admin/v1/breakers/gpt-a/release', headers: op });
    expect(h.backend.breakerStates.get('gpt-a')).toBe('closed');
    expect(h.audit.records.filter((r) => r.type === 'admin.action').map((r) => r.data['action'])).toEqual([
      'breaker.isolate',
      'breaker.release',
    ]);
  });

  it('answers 404 naming an unknown model', async () => {
    h = await harness();
    for (const url of ['/admin/v1/breakers/ghost-model/isolate', '/admin/v1/breakers/ghost-model/close']) {
      const res = await h.app.inject({ method: 'POST', url, headers: op });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toContain('"ghost-model"');
    }
    for (const url of ['/admin/v1/health/ghost-model', '/admin/v1/health/ghost-model/history']) {
      const res = await h.app.inject({ url, headers: reader });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toContain('"ghost-model"');
    }
    expect(h.audit.records.filter((r) => r.type === 'admin.action')).toHaveLength(0);
  });
});

describe('health', () => {
  it('returns detailed health and history', async () => {
    h = await harness();
    const all = await h.app.inject({ url: '/admin/v1/health', headers: reader });
    expect(all.json().models).toHaveLength(2);
    const hist = await h.app.inject({ url: '/admin/v1/health/claude-b/history', headers: reader });
    expect(hist.json()).toEqual({
      model: 'claude-b',
      history: [{ at: 1, status: 'degraded', score: 0.6, reason: 'error rate 20%' }],
    });
    const detail = await h.app.inject({ url: '/health/models', headers: reader });
    expect(detail.json().models[0]).toMatchObject({ model: 'gpt-a', status: 'healthy' });
  });
});

describe('flags', () => {
  it('lists and sets flags, auditing the change', async () => {
    h = await harness();
    const before = await h.app.inject({ url: '/admin/v1/flags', headers: reader });
    expect(before.json().flags.retries).toEqual({ mode: 'on' });
    const res = await h.app.inject({
      method: 'PUT',
      url: '/admin/v1/flags/retries',
      headers: root,
      payload: { mode: 'percent', percent: 25 },
    });
    expect(res.json()).toMatchObject({ feature: 'retries', from: 'on', to: '25%' });
    const after = await h.app.inject({ url: '/admin/v1/flags', headers: reader });
    expect(after.json().flags.retries).toEqual({ mode: 'percent', percent: 25 });
    expect(h.audit.records.find((r) => r.type === 'flag.changed')).toMatchObject({
      actor: 'admin:root',
      data: { feature: 'retries', from: 'on', to: '25%' },
    });
  });

  it.each([
    [{ mode: 'sometimes' }, 'mode: expected one of on, off, percent'],
    [{ mode: 'percent' }, 'percent: required when mode is percent'],
    [{ mode: 'on', percent: 3 }, 'percent: only allowed when mode is percent'],
    [{ mode: 'percent', percent: 101 }, 'percent'],
  ])('rejects a bad flag body %j', async (payload, message) => {
    h = await harness();
    const res = await h.app.inject({ method: 'PUT', url: '/admin/v1/flags/retries', headers: root, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain(message);
  });

  it('answers 404 for an unknown feature', async () => {
    h = await harness();
    const res = await h.app.inject({
      method: 'PUT',
      url: '/admin/v1/flags/teleport',
      headers: root,
      payload: { mode: 'on' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('"teleport"');
  });
});

describe('config reload', () => {
  it('rejects an invalid config with the error list and keeps serving the running config', async () => {
    h = await harness();
    h.backend.reloadResult = {
      ok: false,
      errors: [
        'models.gpt-a.provider: expected one of openai, anthropic, simulated',
        'apiKey: sk-abcdefghijklmn is wrong',
      ],
    };
    const res = await h.app.inject({ method: 'POST', url: '/admin/v1/config/reload', headers: root });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('invalid_config');
    expect(body.error.errors[0]).toContain('models.gpt-a.provider');
    expect(res.body).not.toContain('sk-abcdefghijklmn');
    expect(h.audit.records.find((r) => r.type === 'config.reload_rejected')?.actor).toBe('admin:root');
    // Still serving with the running config.
    const chat = await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() });
    expect(chat.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/v1/models' })).json().data).toHaveLength(2);
  });

  it('reports a successful reload and audits it', async () => {
    h = await harness();
    h.backend.reloadResult = { ok: true, models: 3 };
    const res = await h.app.inject({ method: 'POST', url: '/admin/v1/config/reload', headers: root });
    expect(res.json()).toEqual({ ok: true, models: 3, applied: ['models'], restartRequired: [] });
    expect(h.audit.records.find((r) => r.type === 'config.reloaded')?.data).toEqual({
      models: 3,
      applied: ['models'],
      restartRequired: [],
    });
  });
});

describe('audit routes', () => {
  it('queries with filters and validates them', async () => {
    h = await harness();
    await h.app.inject({
      method: 'PUT',
      url: '/admin/v1/flags/hedging',
      headers: root,
      payload: { mode: 'on' },
    });
    await h.app.inject({ method: 'POST', url: '/admin/v1/breakers/gpt-a/close', headers: op });
    const res = await h.app.inject({ url: '/admin/v1/audit?type=flag.changed&limit=5', headers: reader });
    expect(res.json().records.map((r: { type: string }) => r.type)).toEqual(['flag.changed']);
    const since = await h.app.inject({ url: '/admin/v1/audit?sinceSeq=1', headers: reader });
    expect(since.json().records).toHaveLength(1);
    const bad = await h.app.inject({ url: '/admin/v1/audit?limit=-3', headers: reader });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('limit');
    const tooMany = await h.app.inject({ url: '/admin/v1/audit?limit=999999', headers: reader });
    expect(tooMany.statusCode).toBe(400);
    const verify = await h.app.inject({ url: '/admin/v1/audit/verify', headers: reader });
    expect(verify.json()).toMatchObject({ ok: true, records: 2 });
  });
});

describe('GET /admin/v1/events', () => {
  it('refuses without a key or with a wrong key', async () => {
    h = await harness();
    expect((await h.app.inject({ url: '/admin/v1/events' })).statusCode).toBe(401);
    expect(
      (await h.app.inject({ url: '/admin/v1/events', headers: { 'x-admin-key': 'wrong-wrong-wrong' } }))
        .statusCode,
    ).toBe(401);
  });

  it('streams engine events and flag changes, with heartbeats, and cleans up on disconnect', async () => {
    h = await harness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/admin/v1/events', headers: reader },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    let text = '';
    const waitFor = (needle: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (text.includes(needle)) {
            res.off('data', onData);
            resolve();
          }
        };
        const onData = (b: Buffer) => {
          text += b.toString('utf8');
          check();
        };
        res.on('data', onData);
        check();
      });
    await waitFor(': connected');
    expect(h.backend.emitter.hasListeners).toBe(true);
    const put = await h.app.inject({
      method: 'PUT',
      url: '/admin/v1/flags/fallback',
      headers: root,
      payload: { mode: 'off' },
    });
    expect(put.statusCode).toBe(200);
    await waitFor('"flag.changed"');
    h.backend.emitter.emit({
      type: 'breaker.state_changed',
      model: 'gpt-a',
      from: 'closed',
      to: 'open',
      reason: '5 failures',
      at: 1,
    });
    await waitFor('"breaker.state_changed"');
    await h.clock.advance(15_000);
    await waitFor(': heartbeat');
    const events = text
      .split('\n\n')
      .filter((b) => b.includes('data: '))
      .map((b) => JSON.parse(b.split('data: ')[1]!));
    expect(events[0]).toMatchObject({
      type: 'flag.changed',
      feature: 'fallback',
      from: 'on',
      to: 'off',
      actor: 'admin:root',
    });
    expect(text).toMatch(/id: 1\ndata: /);
    expect(events.some((e) => e.type === 'breaker.state_changed' && e.to === 'open')).toBe(true);
    res.destroy();
    for (let i = 0; i < 50 && h.backend.emitter.hasListeners; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(h.backend.emitter.hasListeners).toBe(false);
    expect(h.clock.pendingTimers).toBe(0);
  });
});
