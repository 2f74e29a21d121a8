import { describe, expect, it } from 'vitest';
import { MemoryAuditLog } from '../../src/audit/memory-audit-log.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { createGatewayServer } from '../../src/server/app.js';
import type { GatewayAuditLog } from '../../src/server/context.js';
import { gatewaySettings } from '../../src/server/settings.js';
import { FakeBackend } from './fake-backend.js';
import { KEYS, SECURED } from './helpers.js';

const root = { authorization: `Bearer ${KEYS.admin}` };

describe('gateway with the real audit log', () => {
  it('records admin actions in a verifiable chain and serves them through the audit routes', async () => {
    const clock = new FakeClock();
    const audit: GatewayAuditLog = new MemoryAuditLog({ clock });
    const app = await createGatewayServer({
      backend: new FakeBackend(),
      audit,
      clock,
      logger: false,
      settings: gatewaySettings(SECURED),
    });
    try {
      await app.inject({
        method: 'PUT',
        url: '/admin/v1/flags/breaker',
        headers: root,
        payload: { mode: 'percent', percent: 10 },
      });
      await app.inject({ method: 'POST', url: '/admin/v1/breakers/claude-b/isolate', headers: root });
      const res = await app.inject({ url: '/admin/v1/audit?actor=admin:root', headers: root });
      const records = res.json().records as Array<{ seq: number; type: string; hash: string }>;
      expect(records.map((r) => r.type)).toEqual(['flag.changed', 'admin.action']);
      expect(records[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
      const verify = await app.inject({ url: '/admin/v1/audit/verify', headers: root });
      expect(verify.json()).toMatchObject({ ok: true, records: 2 });
    } finally {
      await app.close();
    }
  });

  it('says so when an admin action could not be audited (never a silent 200)', async () => {
    const broken: GatewayAuditLog = {
      append() {
        throw new Error('disk full');
      },
      query: () => [],
      verify: () => ({ ok: false }),
    };
    const backend = new FakeBackend();
    const app = await createGatewayServer({
      backend,
      audit: broken,
      logger: false,
      settings: gatewaySettings(SECURED),
    });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/v1/breakers/gpt-a/isolate',
        headers: root,
      });
      // The action was applied, but it is not acknowledged as a durable change.
      expect(res.statusCode).toBe(500);
      expect(res.json().error).toMatchObject({ code: 'audit_unavailable', type: 'api_error' });
      expect(res.json().error.message).toContain('was applied');
      expect(backend.breakerStates.get('gpt-a')).toBe('isolated');
    } finally {
      await app.close();
    }
  });
});
