import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRedisUrl, RedisStateStore } from '../../src/state/redis-state-store.js';
import type { StoreAvailability } from '../../src/state/state-store.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const open: RedisStateStore[] = [];

async function store(prefix = 'test:'): Promise<RedisStateStore> {
  const s = new RedisStateStore({
    url: redis.server.url,
    keyPrefix: prefix,
    commandTimeoutMs: 200,
    reconnectDelayMs: 50,
  });
  open.push(s);
  expect(await s.ready()).toBe(true);
  return s;
}

function until<T>(check: () => T | undefined, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() - start > timeoutMs) return reject(new Error('condition not met in time'));
      setTimeout(tick, 10);
    };
    tick();
  });
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('RedisStateStore (real redis-server)', () => {
  it('gets, sets with expiry, deletes, and lists by prefix', async () => {
    const s = await store('kv:');
    expect(await s.get('breaker:a')).toBeUndefined();
    await s.set('breaker:a', { state: 'open', n: 1 });
    await s.set('breaker:b', { state: 'closed' }, 40);
    expect(await s.get('breaker:a')).toEqual({ state: 'open', n: 1 });
    expect((await s.entries('breaker:')).sort()).toEqual([
      ['breaker:a', { state: 'open', n: 1 }],
      ['breaker:b', { state: 'closed' }],
    ]);
    await new Promise((r) => setTimeout(r, 80));
    expect(await s.get('breaker:b')).toBeUndefined();
    await s.delete('breaker:a');
    expect(await s.get('breaker:a')).toBeUndefined();
    await expect(s.set('', 1)).rejects.toThrow(/non-empty string/);
    await expect(s.set('k', 1n)).rejects.toThrow(/"k" is not JSON-serialisable/);
  });

  it('applies a batch in one pipeline: counters, sets and deletes; other prefixes are separate', async () => {
    const a = await store('batch:');
    const other = await store('other:');
    await a.write([
      { op: 'incr', key: 'counts:1', field: 'm|s', by: 3, ttlMs: 10_000 },
      { op: 'incr', key: 'counts:1', field: 'm|f', by: 2, ttlMs: 10_000 },
      { op: 'incr', key: 'counts:1', field: 'm|s', by: 1, ttlMs: 10_000 },
      { op: 'set', key: 'flags', value: { hedging: 'off' } },
      { op: 'set', key: 'gone', value: 1 },
      { op: 'delete', key: 'gone' },
    ]);
    expect(await a.counters(['counts:1', 'counts:2'])).toEqual([{ 'm|s': 4, 'm|f': 2 }, {}]);
    expect(await a.get('flags')).toEqual({ hedging: 'off' });
    expect(await a.get('gone')).toBeUndefined();
    expect(await other.get('flags')).toBeUndefined();
    expect(await other.counters(['counts:1'])).toEqual([{}]);
  });

  it('sets each counter hash’s expiry once per batch, in the batch’s order', async () => {
    const a = await store('ttl:');
    const raw = new Redis(redis.server.url);
    try {
      await raw.config('RESETSTAT');
      await a.write([
        { op: 'incr', key: 'counts:1', field: 's:m', by: 3, ttlMs: 5_000 },
        { op: 'incr', key: 'counts:1', field: 'f:m', by: 1, ttlMs: 60_000 },
        { op: 'incr', key: 'counts:2', field: 's:m', by: 1, ttlMs: 60_000 },
        { op: 'incr', key: 'counts:3', field: 's:m', by: 1, ttlMs: 60_000 },
        { op: 'set', key: 'counts:3', value: 'replaced' },
      ]);
      const stats = await raw.info('commandstats');
      expect(/cmdstat_hincrby:calls=(\d+)/.exec(stats)?.[1]).toBe('4');
      expect(/cmdstat_pexpire:calls=(\d+)/.exec(stats)?.[1]).toBe('3');
      // The batch's last time to live for the hash wins.
      expect(await raw.pttl('ttl:counts:1')).toBeGreaterThan(50_000);
      expect(await raw.pttl('ttl:counts:2')).toBeGreaterThan(50_000);
      // A set after increments of the same key replaces the hash and its expiry, as written in order.
      expect(await raw.pttl('ttl:counts:3')).toBe(-1);
      expect(await a.get('counts:3')).toBe('replaced');
      expect(await a.counters(['counts:1'])).toEqual([{ 's:m': 3, 'f:m': 1 }]);
    } finally {
      raw.disconnect();
    }
  });

  it('gives a lease to one owner until it expires', async () => {
    const a = await store('lease:');
    const b = await store('lease:');
    expect(await a.acquireLease('probe:m', 'a', 60)).toBe(true);
    expect(await b.acquireLease('probe:m', 'b', 60)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.acquireLease('probe:m', 'b', 60)).toBe(true);
  });

  it('broadcasts messages to every store on the same prefix, and drops what is not JSON', async () => {
    const a = await store('bus:');
    const b = await store('bus:');
    const c = await store('elsewhere:');
    const got: unknown[] = [];
    const gotC: unknown[] = [];
    b.subscribe((m) => got.push(m));
    c.subscribe((m) => gotC.push(m));
    await a.publish({ t: 'breaker', model: 'm' });
    await until(() => got.length === 1);
    expect(got).toEqual([{ t: 'breaker', model: 'm' }]);
    expect(gotC).toEqual([]);
  });

  it('fails fast while Redis is down, reports it, and comes back when Redis does', async () => {
    const s = await store('down:');
    const changes: StoreAvailability[] = [];
    s.onAvailability((c) => changes.push(c));
    await redis.server.kill();
    await until(() => changes.length >= 1);
    expect(s.available).toBe(false);
    expect(changes[0]!.available).toBe(false);
    const started = Date.now();
    await expect(s.get('x')).rejects.toThrow();
    await expect(s.write([{ op: 'set', key: 'x', value: 1 }])).rejects.toThrow();
    // Both rejections come from the client at once (no queueing), well inside the command timeout.
    expect(Date.now() - started).toBeLessThan(1000);
    await redis.server.start();
    await until(() => s.available || undefined, 5000);
    expect(changes.at(-1)!.available).toBe(true);
    expect(changes.at(-1)!.reason).not.toContain('password');
    await s.set('x', 2);
    expect(await s.get('x')).toBe(2);
  });

  it('never puts the password of the URL in what it reports', async () => {
    const s = new RedisStateStore({
      url: 'redis://user:sekret-pass@127.0.0.1:1/0',
      commandTimeoutMs: 100,
      reconnectDelayMs: 1000,
    });
    open.push(s);
    const error = await s.get('k').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error?.message)).not.toContain('sekret');
    expect(s.available).toBe(false);
    expect(describeRedisUrl('redis://user:sekret-pass@h:1/0')).toBe('redis://h:1/0');
  });
});
