import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { createGatewayServer } from '../../src/server/app.js';
import { gatewaySettings } from '../../src/server/settings.js';
import { attempt, engineFailure, FakeAudit, FakeBackend } from './fake-backend.js';
import { chatBody, envRef, KEYS } from './helpers.js';

const PROVIDER_KEY = 'sk-proj-PROVIDERSECRET0123456789';

describe('secrets never reach logs, responses or the audit log', () => {
  it('redacts keys and Authorization headers', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const backend = new FakeBackend();
    const audit = new FakeAudit();
    const app = await createGatewayServer({
      backend,
      audit,
      clock: new FakeClock(),
      logger,
      settings: gatewaySettings(
        {
          security: {
            clientKeys: [{ name: 'app', key: envRef('CLIENT_KEY') }],
            adminKeys: [{ name: 'root', key: KEYS.admin, scope: 'admin' }],
          },
        },
        { CLIENT_KEY: KEYS.client },
      ),
    });
    const bodies: string[] = [];
    try {
      const auth = { authorization: `Bearer ${KEYS.client}` };
      bodies.push(
        (
          await app.inject({
            method: 'POST',
            url: '/v1/chat/completions',
            payload: chatBody(),
            headers: auth,
          })
        ).body,
      );
      // An upstream error that echoes the provider key.
      backend.onComplete = async () =>
        engineFailure('account', [attempt('gpt-a', 'account', 'account')], {
          message: `Incorrect API key provided: ${PROVIDER_KEY}`,
        });
      bodies.push(
        (
          await app.inject({
            method: 'POST',
            url: '/v1/chat/completions',
            payload: chatBody(),
            headers: auth,
          })
        ).body,
      );
      // An engine bug that throws with the key in its message.
      backend.onComplete = async () => {
        throw new Error(`connect failed with apiKey=${PROVIDER_KEY}`);
      };
      const crashed = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody(),
        headers: auth,
      });
      expect(crashed.statusCode).toBe(500);
      expect(crashed.json().error.message).toBe('The gateway failed to handle this request');
      bodies.push(crashed.body);
      // Admin actions and failed attempts with keys in headers.
      bodies.push(
        (
          await app.inject({
            method: 'PUT',
            url: '/admin/v1/flags/retries',
            payload: { mode: 'off' },
            headers: { 'x-admin-key': KEYS.admin },
          })
        ).body,
      );
      bodies.push(
        (
          await app.inject({
            url: '/admin/v1/flags',
            headers: { authorization: 'Bearer guessed-secret-999' },
          })
        ).body,
      );
      bodies.push(
        (await app.inject({ url: '/v1/models', headers: { 'x-api-key': 'wrong-client-secret-1' } })).body,
      );
      // Something that logs request headers goes through the redacting logger.
      app.log.info(
        {
          req: { headers: { authorization: `Bearer ${KEYS.client}`, 'x-admin-key': KEYS.admin } },
          apiKey: PROVIDER_KEY,
        },
        'probe',
      );
    } finally {
      await app.close();
    }
    const logs = lines.join('');
    expect(logs).toContain('incoming request');
    expect(logs).toContain('[redacted]');
    const everything = [logs, ...bodies, JSON.stringify(audit.records)].join('\n');
    for (const secret of [
      KEYS.client,
      KEYS.admin,
      PROVIDER_KEY,
      'guessed-secret-999',
      'wrong-client-secret-1',
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(audit.records.some((r) => r.type === 'flag.changed')).toBe(true);
  });
});
