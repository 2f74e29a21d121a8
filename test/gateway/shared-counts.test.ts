import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { CountSync } from '../../src/gateway/count-sync.js';
import { COUNT_BUCKETS, SharedOutcomeCounts } from '../../src/gateway/shared-counts.js';
import { parseStateMessage } from '../../src/gateway/state-messages.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';

describe('SharedOutcomeCounts', () => {
  it('sums every instance’s batched counts over the window through a store', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    const a = new SharedOutcomeCounts(clock, 10_000);
    const b = new SharedOutcomeCounts(clock, 10_000);
    for (let i = 0; i < 3; i++) a.add('m', 'transient');
    a.add('m', 'request'); // neutral: not counted
    a.add('m', 'aborted');
    for (let i = 0; i < 7; i++) b.add('m', 'success');
    b.add('m', 'account');
    expect(a.aggregate('m')).toEqual({ calls: 3, failures: 3 });
    const writes = [...a.takeWrites(), ...b.takeWrites()];
    expect(writes.every((w) => w.op === 'incr')).toBe(true);
    expect(a.takeWrites()).toEqual([]);
    await store.write(writes);
    const keys = a.startRead();
    expect(keys).toHaveLength(COUNT_BUCKETS);
    a.finishRead(await store.counters(keys));
    expect(a.aggregate('m')).toEqual({ calls: 11, failures: 4 });
    a.add('m', 'timeout'); // new here, not yet read back: still part of the aggregate
    expect(a.aggregate('m')).toEqual({ calls: 12, failures: 5 });
  });

  it('records a call without reading the clock: counts land in the bucket of the flush that writes them', async () => {
    const fake = new FakeClock();
    let reads = 0;
    const clock: Clock = {
      now: () => fake.now(),
      wallNow: () => {
        reads++;
        return fake.wallNow();
      },
      setTimer: (fn, ms) => fake.setTimer(fn, ms),
      clearTimer: (h) => fake.clearTimer(h),
    };
    const a = new SharedOutcomeCounts(clock, 10_000);
    for (let i = 0; i < 1000; i++) a.add('m', i % 10 === 0 ? 'transient' : 'success');
    expect(reads).toBe(0);
    await fake.advance(1000); // the next 1 s bucket: counted before it, written in it
    const writes = a.takeWrites();
    expect(reads).toBe(1);
    const bucket = Math.floor(fake.wallNow() / 1000);
    expect(writes).toEqual([
      { op: 'incr', key: `counts:${bucket}`, field: 's:m', by: 900, ttlMs: 12_000 },
      { op: 'incr', key: `counts:${bucket}`, field: 'f:m', by: 100, ttlMs: 12_000 },
    ]);
    expect(a.takeWrites()).toEqual([]);
    expect(reads).toBe(1); // nothing counted: no clock read either
  });

  it('sums counts written in different buckets and forgets them after the window', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    const a = new SharedOutcomeCounts(clock, 10_000);
    a.add('m', 'transient');
    await store.write(a.takeWrites());
    await clock.advance(1000);
    a.add('m', 'transient');
    await store.write(a.takeWrites());
    a.finishRead(await store.counters(a.startRead()));
    expect(a.aggregate('m')).toEqual({ calls: 2, failures: 2 });
    await clock.advance(11_000);
    a.finishRead(await store.counters(a.startRead()));
    expect(a.aggregate('m')).toEqual({ calls: 0, failures: 0 });
  });

  it('keeps what a failed read covered', () => {
    const a = new SharedOutcomeCounts(new FakeClock(), 10_000);
    a.add('m', 'success');
    a.startRead();
    a.add('m', 'transient');
    a.failRead();
    expect(a.aggregate('m')).toEqual({ calls: 2, failures: 1 });
  });
});

describe('parseStateMessage', () => {
  it('accepts well-formed messages and drops anything else', () => {
    expect(parseStateMessage({ v: 1, from: 'a', t: 'isolate', model: 'm' })).toEqual({
      v: 1,
      from: 'a',
      t: 'isolate',
      model: 'm',
    });
    for (const bad of [
      null,
      'text',
      { v: 2, from: 'a', t: 'isolate', model: 'm' },
      { v: 1, t: 'isolate', model: 'm' },
      { v: 1, from: 'a', t: 'isolate' },
      { v: 1, from: 'a', t: 'health', model: 'm', status: 'great' },
      { v: 1, from: 'a', t: 'flags', overrides: { hedging: 3 } },
      { v: 1, from: 'a', t: 'breaker', model: 'm', snap: 'open', probing: false },
      { v: 1, from: 'a', t: 'nuke' },
    ])
      expect(parseStateMessage(bad)).toBeUndefined();
  });
});

describe('CountSync', () => {
  const settings = { flushInterval: 100, syncInterval: 1000, window: 10_000 };

  it('writes failures within a flush interval, successes alone with the next read, one batch each, never per call', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    const batches: number[] = [];
    const write = store.write.bind(store);
    store.write = (batch) => {
      batches.push(batch.length);
      return write(batch);
    };
    let reads = 0;
    const sync = new CountSync(store, clock, settings, () => reads++);
    sync.start();
    for (let i = 0; i < 500; i++) sync.add('m', 'success');
    expect(batches).toEqual([]); // nothing is written on the call path
    await clock.advance(500);
    expect(batches).toEqual([]); // successes alone wait for the read
    await clock.advance(500);
    expect(batches).toEqual([1]); // written just before the read, in one batch
    expect(reads).toBe(1);
    expect(sync.aggregate('m')).toEqual({ calls: 500, failures: 0 });
    sync.add('m', 'success');
    sync.add('m', 'timeout');
    await clock.advance(100);
    expect(batches).toEqual([1, 2]); // a failure: out at the next flush tick, with the successes beside it
    await clock.advance(100);
    expect(batches).toEqual([1, 2]); // nothing counted since: no write
    await clock.advance(800);
    expect(reads).toBe(2);
    expect(sync.aggregate('m')).toEqual({ calls: 502, failures: 1 });
    sync.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('stop writes what is still counted and ends the timers', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    const sync = new CountSync(store, clock, settings, () => {});
    sync.start();
    sync.add('m', 'transient');
    sync.stop();
    expect(clock.pendingTimers).toBe(0);
    const keys = [`counts:${Math.floor(clock.wallNow() / 1000)}`];
    expect(await store.counters(keys)).toEqual([{ 'f:m': 1 }]);
  });
});
