import { afterEach, describe, expect, it } from 'vitest';
import { bucketOf, FeatureFlags, fnv1a } from '../../src/server/flags.js';
import { DEFAULT_FLAGS, parseGatewaySettings } from '../../src/server/settings.js';
import { chatBody, type Harness, harness, KEYS, SECURED } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h?.app.close();
});

const ALL_ZERO = {
  ...SECURED,
  flags: {
    health: 0,
    breaker: '0%',
    retries: { mode: 'percent', percent: 0 },
    fallback: 'off',
    hedging: false,
    emergencyConsensus: 0,
  },
};

describe('FeatureFlags', () => {
  it('hashes with FNV-1a (known vectors) into buckets 0..99', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(bucketOf('foobar')).toBe(0xbf9cf968 % 100);
  });

  it('returns the same frozen switches without hashing when no flag is a percentage', () => {
    const flags = new FeatureFlags(DEFAULT_FLAGS);
    let calls = 0;
    const a = flags.resolve(() => {
      calls++;
      return 'k';
    });
    expect(calls).toBe(0);
    expect(a).toEqual({
      health: true,
      breaker: true,
      retries: true,
      fallback: true,
      hedging: false,
      emergencyConsensus: false,
    });
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('splits request keys roughly in half at 50 % and is sticky per key', () => {
    const flags = new FeatureFlags({ ...DEFAULT_FLAGS, fallback: { mode: 'percent', percent: 50 } });
    const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const first = keys.map((k) => flags.resolve(() => k).fallback);
    const on = first.filter(Boolean).length;
    expect(on).toBeGreaterThan(900);
    expect(on).toBeLessThan(1100);
    expect(keys.map((k) => flags.resolve(() => k).fallback)).toEqual(first);
    // Other features are unaffected.
    expect(keys.every((k) => flags.resolve(() => k).retries)).toBe(true);
  });

  it('treats 0 % as off and 100 % as on for every key', () => {
    const flags = new FeatureFlags({
      ...DEFAULT_FLAGS,
      health: { mode: 'percent', percent: 0 },
      breaker: { mode: 'percent', percent: 100 },
    });
    for (let i = 0; i < 500; i++) {
      const r = flags.resolve(() => `k${i}`);
      expect(r.health).toBe(false);
      expect(r.breaker).toBe(true);
    }
  });
});

describe('flags in the gateway', () => {
  it('at 0 % passes all-false switches to the engine (plain proxy to the requested model)', async () => {
    h = await harness(ALL_ZERO);
    for (let i = 0; i < 30; i++) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody({ user: `u${i}` }),
      });
      expect(res.statusCode).toBe(200);
    }
    expect(h.backend.requests).toHaveLength(30);
    for (const req of h.backend.requests) {
      expect(req.features).toEqual({
        health: false,
        breaker: false,
        retries: false,
        fallback: false,
        hedging: false,
        emergencyConsensus: false,
      });
      expect(req.target).toBe('gpt-a');
    }
  });

  it('a 50 % flag set at runtime splits request keys about in half, sticky per x-hive-request-key', async () => {
    h = await harness();
    const put = await h.app.inject({
      method: 'PUT',
      url: '/admin/v1/flags/retries',
      headers: { authorization: `Bearer ${KEYS.admin}` },
      payload: { mode: 'percent', percent: 50 },
    });
    expect(put.statusCode).toBe(200);
    const send = (key: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody(),
        headers: { 'x-hive-request-key': key },
      });
    const keys = Array.from({ length: 200 }, (_, i) => `session-${i}`);
    for (const k of keys) await send(k);
    const first = h.backend.requests.map((r) => r.features!.retries);
    const on = first.filter(Boolean).length;
    expect(on).toBeGreaterThan(70);
    expect(on).toBeLessThan(130);
    for (const k of keys) await send(k);
    expect(h.backend.requests.slice(200).map((r) => r.features!.retries)).toEqual(first);
  });

  it('uses the body user field as the sticky key when no header is sent', async () => {
    h = await harness({ flags: { hedging: 50 } });
    for (let i = 0; i < 5; i++)
      await h.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody({ user: 'alice' }),
      });
    const values = new Set(h.backend.requests.map((r) => r.features!.hedging));
    expect(values.size).toBe(1);
  });
});

describe('flags settings', () => {
  it('accepts on/off/booleans/percent forms and names a bad value', () => {
    const ok = parseGatewaySettings({
      flags: { health: 'on', breaker: true, retries: 30, fallback: '12.5%', hedging: { mode: 'off' } },
    });
    expect(ok.ok && ok.settings.flags).toEqual({
      health: { mode: 'on' },
      breaker: { mode: 'on' },
      retries: { mode: 'percent', percent: 30 },
      fallback: { mode: 'percent', percent: 12.5 },
      hedging: { mode: 'off' },
      emergencyConsensus: { mode: 'off' },
    });
    const bad = parseGatewaySettings({ flags: { retries: 150, teleport: 'on' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.some((e) => e.startsWith('flags.retries'))).toBe(true);
      expect(bad.errors.some((e) => e.includes('teleport'))).toBe(true);
    }
  });
});
