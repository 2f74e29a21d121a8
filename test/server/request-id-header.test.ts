/**
 * Every answer carries `x-request-id`: served, streamed, refused, malformed, too large, unknown route,
 * public and admin routes, and a CORS preflight. The client's own id comes back when it is sane.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, type Harness, harness, KEYS, SECURED } from './helpers.js';

const json = { 'content-type': 'application/json' };

const cases: Array<[string, InjectOptions, number]> = [
  ['a completion', { method: 'POST', url: '/v1/chat/completions', payload: chatBody(), headers: json }, 200],
  [
    'a stream',
    { method: 'POST', url: '/v1/chat/completions', payload: chatBody({ stream: true }), headers: json },
    200,
  ],
  [
    'malformed JSON',
    { method: 'POST', url: '/v1/chat/completions', payload: '{"model":', headers: json },
    400,
  ],
  [
    'a body over the limit',
    { method: 'POST', url: '/v1/chat/completions', payload: `"${'x'.repeat(5000)}"`, headers: json },
    413,
  ],
  [
    'an unsupported media type',
    { method: 'POST', url: '/v1/chat/completions', payload: 'x', headers: { 'content-type': 'text/csv' } },
    415,
  ],
  ['an unknown route', { method: 'GET', url: '/v1/nothing-here' }, 404],
  ['the model list', { method: 'GET', url: '/v1/models' }, 200],
  ['the liveness probe', { method: 'GET', url: '/health/live' }, 200],
  ['the dashboard page', { method: 'GET', url: '/dashboard' }, 200],
  ['an admin route without a key', { method: 'GET', url: '/admin/v1/flags' }, 401],
  [
    'an admin route with a key',
    { method: 'GET', url: '/admin/v1/flags', headers: { 'x-admin-key': KEYS.read } },
    200,
  ],
  [
    'a CORS preflight',
    {
      method: 'OPTIONS',
      url: '/v1/chat/completions',
      headers: { origin: 'https://dash.example', 'access-control-request-method': 'POST' },
    },
    204,
  ],
];

// With CORS on, a preflight is answered by @fastify/cors's hook; without, it is an unknown route.
describe.each([
  ['with CORS', true],
  ['without CORS', false],
])('x-request-id on every answer, %s', (_label, withCors) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({
      ...SECURED,
      server: { bodyLimitBytes: 4096, ...(withCors ? { cors: { origins: ['https://dash.example'] } } : {}) },
    });
  });
  afterAll(async () => {
    await h.app.close();
  });

  it.each(cases)('%s', async (name, request, status) => {
    const res = await h.app.inject(request);
    expect(res.statusCode).toBe(name === 'a CORS preflight' && !withCors ? 404 : status);
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    const own = await h.app.inject({
      ...request,
      headers: { ...request.headers, 'x-request-id': 'client-7' },
    });
    expect(own.headers['x-request-id']).toBe('client-7');
  });
});
