import { describe, expect, it } from 'vitest';
import { isSecretKey, maskSecrets, REDACTED, redactAuditData } from '../../src/audit/redaction.js';

describe('redactAuditData', () => {
  it('replaces secret-looking keys at any depth, whatever their value', () => {
    const out = redactAuditData({
      apiKey: 'abc',
      nested: { api_key: 'x', Authorization: 'Bearer zzz', list: [{ password: 'p', ok: 1 }] },
      headers: { 'x-api-key': 'k', cookie: 'c', 'content-type': 'json' },
      clientSecret: { deep: 'value' },
      accessToken: 'tok',
      privateKey: '-----BEGIN',
      adminKey: 'hive_admin_123',
      keyName: 'ops',
      maxTokens: 512,
    });
    expect(out).toEqual({
      apiKey: REDACTED,
      nested: { api_key: REDACTED, Authorization: REDACTED, list: [{ password: REDACTED, ok: 1 }] },
      headers: { 'x-api-key': REDACTED, cookie: REDACTED, 'content-type': 'json' },
      clientSecret: REDACTED,
      accessToken: REDACTED,
      privateKey: REDACTED,
      adminKey: REDACTED,
      keyName: 'ops',
      maxTokens: 512,
    });
  });

  it('masks bearer tokens, sk- keys, JWTs and key=value pairs inside strings', () => {
    const out = redactAuditData({
      error: 'upstream said: invalid key sk-proj-AbCdEf1234567890 for Bearer abc.def-123_XYZ',
      url: 'https://api.example.com/v1?api_key=SECRET123&x=1',
      jwt: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature',
      harmless: 'model gpt-4o failed with 503',
    });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/AbCdEf1234567890|abc\.def-123_XYZ|SECRET123|eyJzdWIiOiIxIn0/);
    expect(out['error']).toBe(`upstream said: invalid key sk-${REDACTED} for Bearer ${REDACTED}`);
    expect(out['url']).toBe(`https://api.example.com/v1?api_key=${REDACTED}&x=1`);
    expect(out['harmless']).toBe('model gpt-4o failed with 503');
  });

  it('normalises to plain JSON without mutating the input', () => {
    const input = {
      when: new Date(Date.UTC(2025, 0, 1)),
      err: new Error('failed with Bearer abcdefgh'),
      big: 10n,
      nan: Number.NaN,
      skip: undefined,
      fn: () => 1,
      bytes: new Uint8Array(4),
      set: new Set([1, 2]),
      map: new Map([['token', 't']]),
      apiKey: 'k',
    };
    const out = redactAuditData(input);
    expect(out).toEqual({
      when: '2025-01-01T00:00:00.000Z',
      err: { name: 'Error', message: `failed with Bearer ${REDACTED}` },
      big: '10',
      nan: null,
      bytes: '[binary 4 bytes]',
      set: [1, 2],
      map: { token: REDACTED },
      apiKey: REDACTED,
    });
    expect(input.apiKey).toBe('k');
  });

  it('keeps a "__proto__" key as plain data (hashable, no prototype change)', () => {
    const out = redactAuditData(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('cuts cycles and returns {} for no data', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    expect(redactAuditData(a)).toEqual({ name: 'a', self: '[circular]' });
    expect(redactAuditData(undefined)).toEqual({});
  });

  it('isSecretKey and maskSecrets keep ordinary values', () => {
    expect(['model', 'reason', 'promptTokens', 'keyId', 'status'].some(isSecretKey)).toBe(false);
    expect(['API-KEY', 'proxy-authorization', 'refresh_token', 'signingKey'].every(isSecretKey)).toBe(true);
    expect(maskSecrets('breaker opened after 5 failures')).toBe('breaker opened after 5 failures');
  });
});
