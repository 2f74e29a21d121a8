import { describe, expect, it } from 'vitest';
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
