import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import type { StateStore } from '../../src/state/state-store.js';

describe('MemoryStateStore', () => {
  it('gets, sets, replaces and deletes values', async () => {
    const store: StateStore = new MemoryStateStore();
    expect(await store.get('breaker:a')).toBeUndefined();
    await store.set('breaker:a', { state: 'open', openedAt: 5 });
    expect(await store.get('breaker:a')).toEqual({ state: 'open', openedAt: 5 });
    await store.set('breaker:a', { state: 'closed' });
    expect(await store.get<{ state: string }>('breaker:a')).toEqual({ state: 'closed' });
    await store.delete('breaker:a');
    await store.delete('missing');
    expect(await store.get('breaker:a')).toBeUndefined();
  });

  it('stores JSON copies, so callers cannot mutate stored state', async () => {
    const store = new MemoryStateStore();
    const value = { failures: [1, 2], nested: { n: 1 } };
    await store.set('health:a', value);
    value.failures.push(3);
    value.nested.n = 2;
    const read = await store.get<typeof value>('health:a');
    expect(read).toEqual({ failures: [1, 2], nested: { n: 1 } });
    read!.nested.n = 99;
    expect(await store.get('health:a')).toEqual({ failures: [1, 2], nested: { n: 1 } });
  });

  it('rejects bad keys and values with clear errors, and refuses use after close', async () => {
    const store = new MemoryStateStore();
    await expect(store.set('', 1)).rejects.toThrow(/non-empty string/);
    await expect(store.set('k', 1n)).rejects.toThrow(/"k" is not JSON-serialisable/);
    await expect(store.set('k', undefined)).rejects.toThrow(/"k" is not JSON-serialisable/);
    await store.set('k', 1);
    await store.close();
    await expect(store.get('k')).rejects.toThrow(/closed/);
  });
});

describe('MemoryStateStore: what instances share', () => {
  it('expires values and counters on its clock, and lists by prefix', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    await store.set('breaker:a', { state: 'open' }, 100);
    await store.set('breaker:b', 1);
    await store.set('other', 2);
    await store.write([{ op: 'incr', key: 'counts:1', field: 'm|f', by: 2, ttlMs: 50 }]);
    expect(await store.counters(['counts:1', 'nope'])).toEqual([{ 'm|f': 2 }, {}]);
    expect((await store.entries('breaker:')).sort()).toEqual([
      ['breaker:a', { state: 'open' }],
      ['breaker:b', 1],
    ]);
    await clock.advance(60);
    expect(await store.counters(['counts:1'])).toEqual([{}]);
    await clock.advance(50);
    expect(await store.get('breaker:a')).toBeUndefined();
    expect(await store.entries('breaker:')).toEqual([['breaker:b', 1]]);
  });

  it('gives a lease to one owner until it expires', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    expect(await store.acquireLease('probe:m', 'a', 100)).toBe(true);
    expect(await store.acquireLease('probe:m', 'b', 100)).toBe(false);
    await clock.advance(100);
    expect(await store.acquireLease('probe:m', 'b', 100)).toBe(true);
  });

  it('delivers published messages to subscribers as copies, after the publishing call returns', async () => {
    const store = new MemoryStateStore();
    const got: unknown[] = [];
    store.subscribe((m) => got.push(m));
    const message = { t: 'flags', overrides: { hedging: 'off' } };
    const sent = store.publish(message);
    message.overrides.hedging = 'on';
    expect(got).toEqual([]);
    await sent;
    expect(got).toEqual([{ t: 'flags', overrides: { hedging: 'off' } }]);
    expect(store.available).toBe(true);
  });
});
