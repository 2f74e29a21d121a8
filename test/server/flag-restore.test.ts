/**
 * Runtime flag overrides survive a restart: the audit log is their durable record. A "restart" here is a
 * second gateway app built over the same audit log.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../src/audit/index.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { createGatewayServer } from '../../src/server/app.js';
import { type GatewaySettingsInput, gatewaySettings } from '../../src/server/settings.js';
import { FakeBackend } from './fake-backend.js';
import { KEYS, SECURED } from './helpers.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(audit: MemoryAuditLog, input: GatewaySettingsInput = SECURED): Promise<FastifyInstance> {
  const app = await createGatewayServer({
    backend: new FakeBackend(),
    settings: gatewaySettings(input),
    audit,
    clock: new FakeClock(),
    logger: false,
  });
  apps.push(app);
  return app;
}

const admin = { authorization: `Bearer ${KEYS.admin}` };

async function flags(app: FastifyInstance) {
  const res = await app.inject({ method: 'GET', url: '/admin/v1/flags', headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json() as {
    flags: Record<string, { mode: string; percent?: number }>;
    configured: Record<string, { mode: string }>;
    overrides: string[];
  };
}

describe('runtime flag overrides', () => {
  it('are restored after a restart, audited as restored, and shown as overrides of the config', async () => {
    const audit = new MemoryAuditLog();
    const first = await start(audit);
    for (const [feature, body] of [
      ['retries', { mode: 'off' }],
      ['fallback', { mode: 'percent', percent: 30 }],
      ['retries', { mode: 'percent', percent: 5 }],
    ] as const) {
      const res = await first.inject({
        method: 'PUT',
        url: `/admin/v1/flags/${feature}`,
        headers: admin,
        payload: body,
      });
      expect(res.statusCode).toBe(200);
    }
    await first.close();

    const second = await start(audit);
    const after = await flags(second);
    expect(after.flags.retries).toEqual({ mode: 'percent', percent: 5 });
    expect(after.flags.fallback).toEqual({ mode: 'percent', percent: 30 });
    expect(after.flags.health).toEqual({ mode: 'on' });
    expect(after.configured.retries).toEqual({ mode: 'on' });
    expect(after.overrides.sort()).toEqual(['fallback', 'retries']);
    const restored = audit.query({ type: 'flag.restored' });
    expect(restored.map((r) => [r.actor, r.data['feature'], r.data['to'], r.data['configured']])).toEqual([
      ['system', 'retries', '5%', 'on'],
      ['system', 'fallback', '30%', 'on'],
    ]);
    expect(audit.verify().ok).toBe(true);
  });

  it('a cleared override stays cleared: the flag is back to its configured mode, now and after a restart', async () => {
    const audit = new MemoryAuditLog();
    const config = { ...SECURED, flags: { hedging: 'on' } } as GatewaySettingsInput;
    const first = await start(audit, config);
    await first.inject({
      method: 'PUT',
      url: '/admin/v1/flags/hedging',
      headers: admin,
      payload: { mode: 'off' },
    });
    const cleared = await first.inject({ method: 'DELETE', url: '/admin/v1/flags/hedging', headers: admin });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ feature: 'hedging', from: 'off', to: 'on', cleared: true });
    // A body-less DELETE sent with a JSON content type (a curl habit) is fine too.
    const again = await first.inject({
      method: 'DELETE',
      url: '/admin/v1/flags/hedging',
      headers: { ...admin, 'content-type': 'application/json' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ cleared: false, to: 'on' });
    expect(audit.query({ type: 'flag.cleared' })).toHaveLength(1);
    await first.close();

    const second = await start(audit, config);
    const after = await flags(second);
    expect(after.flags.hedging).toEqual({ mode: 'on' });
    expect(after.overrides).toEqual([]);
    expect(audit.query({ type: 'flag.restored' })).toHaveLength(0);
  });

  it('skips an unreadable record instead of failing to start, and 404s an unknown feature on DELETE', async () => {
    const audit = new MemoryAuditLog();
    audit.append({
      type: 'flag.changed',
      actor: 'admin:root',
      reason: 'x',
      data: { feature: 'retries', to: 'maybe' },
    });
    audit.append({
      type: 'flag.changed',
      actor: 'admin:root',
      reason: 'x',
      data: { feature: 'warp', to: 'on' },
    });
    audit.append({
      type: 'flag.changed',
      actor: 'admin:root',
      reason: 'x',
      data: { feature: 'fallback', to: '101%' },
    });
    const app = await start(audit);
    const after = await flags(app);
    expect(after.overrides).toEqual([]);
    expect(after.flags.retries).toEqual({ mode: 'on' });
    const res = await app.inject({ method: 'DELETE', url: '/admin/v1/flags/warp', headers: admin });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toContain('Unknown feature "warp"');
  });
});
