import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
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

  it('carries counts across a bucket boundary and forgets them after the window', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore({ clock });
    const a = new SharedOutcomeCounts(clock, 10_000);
    a.add('m', 'transient');
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
