import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { chatBody, harness, KEYS, SECURED } from './helpers.js';

describe('CORS', () => {
  it('is off unless configured', async () => {
    const h = await harness();
    try {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody(),
        headers: { origin: 'https://evil.example' },
      });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await h.app.inject({
        method: 'OPTIONS',
        url: '/v1/chat/completions',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(pre.statusCode).toBe(404);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await h.app.close();
    }
  });

  it('allows configured origins only, with preflight', async () => {
    const h = await harness({ ...SECURED, server: { cors: { origins: ['https://dash.example'] } } });
    try {
      const ok = await h.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody(),
        headers: { origin: 'https://dash.example' },
      });
      expect(ok.headers['access-control-allow-origin']).toBe('https://dash.example');
      expect(ok.headers['access-control-expose-headers']).toContain('x-hive-model');
      const other = await h.app.inject({
        method: 'GET',
        url: '/v1/models',
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await h.app.inject({
        method: 'OPTIONS',
        url: '/admin/v1/flags',
        headers: { origin: 'https://dash.example', 'access-control-request-method': 'GET' },
      });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-headers']).toContain('x-admin-key');
      expect(pre.headers['access-control-max-age']).toBeDefined();
      // A preflight from another origin is not allowed (no allow-origin header: the browser blocks it).
      const foreign = await h.app.inject({
        method: 'OPTIONS',
        url: '/v1/chat/completions',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await h.app.close();
    }
  });
});

describe('shutdown', () => {
  it('ends open admin event streams when the app closes', async () => {
    const h = await harness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/admin/v1/events', headers: { 'x-admin-key': KEYS.read } },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    const ended = new Promise<void>((resolve) => res.on('end', () => resolve()).resume());
    await h.app.close();
    await ended;
    expect(h.backend.emitter.hasListeners).toBe(false);
    expect(h.clock.pendingTimers).toBe(0);
  });
});
