import { describe, expect, it } from 'vitest';
import { BulkheadPolicy, BulkheadRejectedError } from '../../src/core/index.js';
import { flushMicrotasks } from '../../src/core/testing/index.js';

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

describe('bulkhead', () => {
  it('limits concurrency, queues FIFO, rejects when the queue is full', async () => {
    const b = new BulkheadPolicy({ maxConcurrent: 1, maxQueue: 2 });
    const g = gate();
    const order: number[] = [];
    const first = b.execute(async () => {
      await g.promise;
      order.push(0);
    });
    const q1 = b.execute(async () => order.push(1));
    const q2 = b.execute(async () => order.push(2));
    await flushMicrotasks();
    expect(b.executing).toBe(1);
    expect(b.queueLength).toBe(2);
    const rejected = await b.executeOutcome(() => 3);
    expect(!rejected.ok && rejected.kind).toBe('rejected');
    expect(!rejected.ok && rejected.error).toBeInstanceOf(BulkheadRejectedError);
    g.open();
    await Promise.all([first, q1, q2]);
    expect(order).toEqual([0, 1, 2]);
    expect(b.executing).toBe(0);
  });

  it('a queued caller that aborts leaves the queue at once and is rejected promptly', async () => {
    const b = new BulkheadPolicy({ maxConcurrent: 1, maxQueue: 5 });
    const g = gate();
    const first = b.execute(() => g.promise);
    const ac = new AbortController();
    let ran = false;
    const waiting = b.executeOutcome(
      () => {
        ran = true;
      },
      { signal: ac.signal },
    );
    const behind = b.executeOutcome(() => 'behind');
    await flushMicrotasks();
    expect(b.queueLength).toBe(2);
    ac.abort();
    const out = await waiting;
    expect(!out.ok && out.kind).toBe('aborted');
    expect(b.queueLength).toBe(1);
    g.open();
    await first;
    expect(await behind).toEqual({ ok: true, value: 'behind' });
    expect(ran).toBe(false);
  });

  it('manual slots (tryEnter/release) share the limit with wrapped calls and hand over to waiters', async () => {
    const b = new BulkheadPolicy({ maxConcurrent: 1, maxQueue: 1 });
    expect(b.tryEnter()).toBe(true);
    expect(b.tryEnter()).toBe(false);
    const waiting = b.executeOutcome(() => 'after the stream');
    await flushMicrotasks();
    expect(b.queueLength).toBe(1);
    b.release();
    expect(await waiting).toEqual({ ok: true, value: 'after the stream' });
    expect(b.executing).toBe(0);
  });
});
