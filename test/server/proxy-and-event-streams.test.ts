/**
 * `trustProxy` as a hop count or a list of proxies (boolean true refused), so a client's own
 * `X-Forwarded-For` neither dodges the auth lockout nor forges the audited `ip:` actor; and the caps on
 * admin event stream subscribers (per key and in total). Real server on loopback.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/server/app.js';
import {
  type GatewaySettingsInput,
  gatewaySettings,
  parseGatewaySettings,
} from '../../src/server/settings.js';
import { FakeAudit, FakeBackend } from './fake-backend.js';
import { KEYS, SECURED } from './helpers.js';

let app: FastifyInstance | undefined;
let audit: FakeAudit;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listen(input: GatewaySettingsInput): Promise<string> {
  audit = new FakeAudit();
  app = await createGatewayServer({
    backend: new FakeBackend(),
    settings: gatewaySettings(input),
    audit,
    logger: false,
  });
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const withProxy = (trustProxy: unknown): GatewaySettingsInput => ({
  ...SECURED,
  server: { trustProxy },
  security: { ...(SECURED.security as object), authFailures: { max: 3, windowMs: 60_000 } },
});

describe('trustProxy', () => {
  it('refuses boolean true with a reason, accepts a hop count and a list', () => {
    const refused = parseGatewaySettings({ server: { trustProxy: true } });
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.errors[0]).toMatch(/^server\.trustProxy: true would trust any x-forwarded-for/);
    expect(parseGatewaySettings({ server: { trustProxy: 1 } }).ok).toBe(true);
    expect(parseGatewaySettings({ server: { trustProxy: ['127.0.0.1', '10.0.0.0/8'] } }).ok).toBe(true);
  });

  it.each([
    ['a hop count', 1],
    ['a list of proxies', ['127.0.0.1']],
  ])(
    'with %s, a forged X-Forwarded-For neither dodges the lockout nor forges the actor',
    async (_name, trust) => {
      const url = await listen(withProxy(trust));
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        // The client forges a different leftmost address each time; the proxy appended the real one.
        const res = await fetch(`${url}/admin/v1/flags`, {
          headers: { authorization: 'Bearer wrong-key-000000', 'x-forwarded-for': `6.6.6.${i}, 10.0.0.7` },
        });
        statuses.push(res.status);
        await res.text();
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const actors = new Set(audit.records.filter((r) => r.type === 'admin.auth_failed').map((r) => r.actor));
      expect([...actors]).toEqual(['ip:10.0.0.7']);
    },
  );
});

describe('admin event stream caps', () => {
  it('caps subscribers per key and in total, with a 429 in OpenAI shape', async () => {
    const url = await listen({ ...SECURED, server: { eventStreams: { max: 3, perKey: 2 } } });
    const controllers: AbortController[] = [];
    const open = async (key: string) => {
      const c = new AbortController();
      controllers.push(c);
      return fetch(`${url}/admin/v1/events`, {
        headers: { authorization: `Bearer ${key}` },
        signal: c.signal,
      });
    };
    try {
      expect((await open(KEYS.read)).status).toBe(200);
      expect((await open(KEYS.read)).status).toBe(200);
      const third = await open(KEYS.read);
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('too_many_event_streams');
      expect((await open(KEYS.admin)).status).toBe(200);
      const overTotal = await open(KEYS.operate);
      expect(overTotal.status).toBe(429);
      await overTotal.text();
      // Closing one frees a place.
      controllers[0]!.abort();
      let again = 0;
      for (let i = 0; i < 50 && again !== 200; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const res = await open(KEYS.operate);
        again = res.status;
        if (again !== 200) await res.text();
      }
      expect(again).toBe(200);
    } finally {
      for (const c of controllers) c.abort();
    }
  });
});
