import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { hashKey } from '../../src/server/settings.js';
import { chatBody, type Harness, harness, KEYS, SECURED } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.app.close();
});

type Scope = 'read' | 'operate' | 'admin';
interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  scope: Scope;
  payload?: unknown;
}

/** Every admin-protected route with the scope it needs. */
const ROUTES: Route[] = [
  { method: 'GET', url: '/health/models', scope: 'read' },
  { method: 'GET', url: '/admin/v1/breakers', scope: 'read' },
  { method: 'POST', url: '/admin/v1/breakers/gpt-a/isolate', scope: 'operate' },
  { method: 'POST', url: '/admin/v1/breakers/gpt-a/release', scope: 'operate' },
  { method: 'POST', url: '/admin/v1/breakers/gpt-a/close', scope: 'operate' },
  { method: 'GET', url: '/admin/v1/health', scope: 'read' },
  { method: 'GET', url: '/admin/v1/health/gpt-a', scope: 'read' },
  { method: 'GET', url: '/admin/v1/health/claude-b/history', scope: 'read' },
  { method: 'GET', url: '/admin/v1/flags', scope: 'read' },
  { method: 'PUT', url: '/admin/v1/flags/retries', scope: 'operate', payload: { mode: 'off' } },
  { method: 'DELETE', url: '/admin/v1/flags/retries', scope: 'operate' },
  { method: 'POST', url: '/admin/v1/config/reload', scope: 'admin' },
  { method: 'GET', url: '/admin/v1/audit', scope: 'read' },
  { method: 'GET', url: '/admin/v1/audit/verify', scope: 'read' },
  { method: 'GET', url: '/admin/v1/session', scope: 'read' },
  { method: 'GET', url: '/admin/v1/timeline', scope: 'read' },
  { method: 'GET', url: '/admin/v1/alerts', scope: 'read' },
  { method: 'GET', url: '/admin/v1/rounds', scope: 'read' },
];

function adminHeaders(scope: Scope): Record<string, string> {
  return scope === 'operate'
    ? { 'x-admin-key': KEY_OF[scope] }
    : { authorization: `Bearer ${KEY_OF[scope]}` };
}

const RANK: Record<Scope, number> = { read: 0, operate: 1, admin: 2 };
const KEY_OF: Record<Scope, string> = { read: KEYS.read, operate: KEYS.operate, admin: KEYS.admin };

function send(app: FastifyInstance, route: Route, headers: Record<string, string>, ip = '10.0.0.1') {
  return app.inject({
    method: route.method,
    url: route.url,
    headers,
    remoteAddress: ip,
    ...(route.payload !== undefined ? { payload: route.payload as Record<string, unknown> } : {}),
  });
}

describe('admin auth matrix', () => {
  const cases = ROUTES.flatMap(
    (route): Array<{ route: Route; who: string; headers: Record<string, string>; status: number }> => [
      { route, who: 'no key', headers: {} as Record<string, string>, status: 401 },
      { route, who: 'wrong key', headers: { authorization: 'Bearer not-a-real-key-123' }, status: 401 },
      ...(['read', 'operate', 'admin'] as const).map((scope) => ({
        route,
        who: `${scope} key`,
        headers: adminHeaders(scope),
        status: RANK[scope] >= RANK[route.scope] ? 200 : 403,
      })),
    ],
  );

  it.each(cases)('$route.method $route.url with $who → $status', async ({ route, headers, status }) => {
    h = await harness();
    const res = await send(h.app, route, headers);
    expect(res.statusCode).toBe(status);
    if (status !== 200) {
      const body = res.json();
      expect(body.error.type).toBe(status === 401 ? 'authentication_error' : 'permission_error');
      expect(res.body).not.toContain(KEYS.read);
    }
  });

  it('audits admin actions with the key name as actor', async () => {
    h = await harness();
    await send(h.app, ROUTES[2]!, { authorization: `Bearer ${KEYS.operate}` });
    const rec = h.audit.records.find((r) => r.type === 'admin.action');
    expect(rec).toMatchObject({
      actor: 'admin:operator',
      data: { action: 'breaker.isolate', target: 'gpt-a', ok: true },
    });
    expect(JSON.stringify(h.audit.records)).not.toContain(KEYS.operate);
  });

  it('refuses admin routes when no admin key is configured', async () => {
    h = await harness({});
    const res = await h.app.inject({
      url: '/admin/v1/breakers',
      headers: { authorization: 'Bearer anything-at-all' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('accepts a key configured by its sha256 hash', async () => {
    h = await harness({
      security: {
        adminKeys: [{ name: 'hashed', keyHash: hashKey('s3cret-admin-key').toString('hex'), scope: 'read' }],
      },
    });
    const res = await h.app.inject({
      url: '/admin/v1/flags',
      headers: { 'x-admin-key': 's3cret-admin-key' },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('failed-attempt rate limit', () => {
  it('answers 429 with retry-after after 10 wrong keys from one IP, and recovers after the window', async () => {
    h = await harness();
    const route = ROUTES[1]!;
    for (let i = 0; i < 10; i++) {
      expect((await send(h.app, route, { authorization: `Bearer wrong-${i}-xxxxxxxx` })).statusCode).toBe(
        401,
      );
    }
    const limited = await send(h.app, route, { authorization: `Bearer ${KEYS.read}` });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.json().error.code).toBe('rate_limit_exceeded');
    // Another IP is unaffected.
    expect((await send(h.app, route, { authorization: `Bearer ${KEYS.read}` }, '10.0.0.2')).statusCode).toBe(
      200,
    );
    await h.clock.advance(30_000);
    const later = await send(h.app, route, { authorization: `Bearer ${KEYS.read}` });
    expect(later.headers['retry-after']).toBe('30');
    await h.clock.advance(30_001);
    expect((await send(h.app, route, { authorization: `Bearer ${KEYS.read}` })).statusCode).toBe(200);
  });

  it('does not count missing keys or wrong scopes as failures', async () => {
    h = await harness();
    for (let i = 0; i < 15; i++) await send(h.app, ROUTES[10]!, { authorization: `Bearer ${KEYS.read}` });
    for (let i = 0; i < 15; i++) await send(h.app, ROUTES[1]!, {});
    expect((await send(h.app, ROUTES[1]!, { authorization: `Bearer ${KEYS.read}` })).statusCode).toBe(200);
  });

  it('audits failed admin attempts without the presented key', async () => {
    h = await harness();
    await send(h.app, ROUTES[1]!, { authorization: 'Bearer guessed-key-123456' });
    const rec = h.audit.records.find((r) => r.type === 'admin.auth_failed');
    expect(rec?.actor).toBe('ip:10.0.0.1');
    expect(JSON.stringify(h.audit.records)).not.toContain('guessed-key-123456');
  });
});

describe('client keys', () => {
  const WITH_CLIENTS = {
    ...SECURED,
    security: {
      ...(SECURED.security as object),
      clientKeys: [
        { name: 'app', key: KEYS.client },
        { name: 'eu-only', key: KEYS.restricted, allowModels: ['claude-b'], allowProviders: ['anthropic'] },
      ],
    },
  };

  it('requires a client key for inference once any is configured', async () => {
    h = await harness(WITH_CLIENTS);
    expect(
      (await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() })).statusCode,
    ).toBe(401);
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { authorization: 'Bearer nope-nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_api_key');
    const ok = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { authorization: `Bearer ${KEYS.client}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(h.backend.requests[0]!.restriction).toBeUndefined();
    expect((await h.app.inject({ url: '/v1/models' })).statusCode).toBe(401);
  });

  it('passes the key restriction to the engine and filters /v1/models', async () => {
    h = await harness(WITH_CLIENTS);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody({ model: 'main-chain' }),
      headers: { 'x-api-key': KEYS.restricted },
    });
    expect(res.statusCode).toBe(200);
    const restriction = h.backend.requests[0]!.restriction!;
    expect([...restriction.models!]).toEqual(['claude-b']);
    expect([...restriction.providers!]).toEqual(['anthropic']);
    const models = await h.app.inject({
      url: '/v1/models',
      headers: { authorization: `Bearer ${KEYS.restricted}` },
    });
    expect(models.json().data.map((m: { id: string }) => m.id)).toEqual(['claude-b']);
  });

  it('lists a model in /v1/models for a key restricted to its provider host, as the planner serves it', async () => {
    h = await harness({
      ...SECURED,
      security: {
        ...(SECURED.security as object),
        clientKeys: [{ name: 'host-only', key: KEYS.restricted, allowProviders: ['api.openai.example'] }],
      },
    });
    const models = await h.app.inject({
      url: '/v1/models',
      headers: { authorization: `Bearer ${KEYS.restricted}` },
    });
    expect(models.json().data.map((m: { id: string }) => m.id)).toEqual(['gpt-a']);
  });

  it('does not accept an admin key as a client key', async () => {
    h = await harness(WITH_CLIENTS);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: chatBody(),
      headers: { authorization: `Bearer ${KEYS.admin}` },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('metrics protection', () => {
  it('needs a read key when security.metrics is protected', async () => {
    const { createGatewayServer } = await import('../../src/server/app.js');
    const { gatewaySettings } = await import('../../src/server/settings.js');
    const { FakeBackend } = await import('./fake-backend.js');
    const app = await createGatewayServer({
      backend: new FakeBackend(),
      settings: gatewaySettings({ security: { ...(SECURED.security as object), metrics: 'protected' } }),
      logger: false,
      metrics: { contentType: 'text/plain', render: async () => 'm 1\n' },
    });
    try {
      expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
      expect(
        (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEYS.read}` } })).statusCode,
      ).toBe(200);
    } finally {
      await app.close();
    }
  });
});
