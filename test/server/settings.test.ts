import { describe, expect, it } from 'vitest';
import { hashKey, parseGatewaySettings } from '../../src/server/settings.js';
import { envRef } from './helpers.js';

describe('gateway settings', () => {
  it('applies defaults', () => {
    const r = parseGatewaySettings({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.server).toMatchObject({ bodyLimitBytes: 1_048_576, host: '127.0.0.1', port: 8080 });
    expect(r.settings.server.cors).toBeUndefined();
    expect(r.settings.security.authFailures).toEqual({ max: 10, windowMs: 60_000, trackedIps: 10_000 });
    expect(r.settings.security.metrics).toBe('public');
  });

  it('hashes keys at load, reads env references and keeps no plaintext', () => {
    const r = parseGatewaySettings(
      {
        security: {
          clientKeys: [{ name: 'app', key: envRef('APP_KEY'), allowModels: ['gpt-a'] }],
          adminKeys: [
            { name: 'ops', key: 'plain-admin-key-1', scope: 'operate' },
            { name: 'ro', keyHash: hashKey('hashed-key-22').toString('hex').toUpperCase(), scope: 'read' },
          ],
        },
      },
      { APP_KEY: 'from-the-env-123' },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.security.clientKeys[0]!.digest.equals(hashKey('from-the-env-123'))).toBe(true);
    expect(r.settings.security.adminKeys[1]!.digest.equals(hashKey('hashed-key-22'))).toBe(true);
    const dump = JSON.stringify(r.settings);
    expect(dump).not.toContain('from-the-env-123');
    expect(dump).not.toContain('plain-admin-key-1');
  });

  it.each([
    [{ server: { bodyLimitBytes: -1 } }, 'server.bodyLimitBytes'],
    [{ server: { colour: 'blue' } }, 'colour'],
    [{ server: { cors: { origins: [] } } }, 'server.cors.origins'],
    [
      { security: { adminKeys: [{ name: 'x', key: 'long-enough-key', scope: 'god' }] } },
      'security.adminKeys[0].scope: expected one of read, operate, admin',
    ],
    [
      { security: { adminKeys: [{ name: 'x', scope: 'read' }] } },
      'security.adminKeys[0].key: expected exactly one of key or keyHash',
    ],
    [
      { security: { clientKeys: [{ name: 'x', keyHash: 'abc' }] } },
      'security.clientKeys[0].keyHash: expected a sha256 hex digest',
    ],
    [
      { security: { clientKeys: [{ name: 'x', key: envRef('MISSING_VAR') }] } },
      'security.clientKeys[0].key: environment variable MISSING_VAR is not set',
    ],
    [
      {
        security: {
          clientKeys: [
            { name: 'x', key: 'aaaaaaaaaa' },
            { name: 'x', key: 'bbbbbbbbbb' },
          ],
        },
      },
      'key name "x" is used twice',
    ],
    [{ flags: { retries: 'sometimes' } }, 'flags.retries'],
  ])('rejects %j naming the field', (input, message) => {
    const r = parseGatewaySettings(input, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join('\n')).toContain(message);
  });

  it('never echoes a key in an error', () => {
    const r = parseGatewaySettings(
      { security: { adminKeys: [{ name: 'x', key: 'super-secret-admin', scope: 'nope' }] } },
      {},
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).not.toContain('super-secret-admin');
  });
});
