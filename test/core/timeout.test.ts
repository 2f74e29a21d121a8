import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  circuitBreaker,
  pipeline,
  retry,
  success,
  TimeoutError,
  TimeoutPolicy,
  timeout,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';

describe('timeout', () => {
  it('aborts the attempt signal at the deadline and yields a timeout failure', async () => {
    const clock = new FakeClock();
    const t = new TimeoutPolicy({ timeoutMs: 100, clock });
    let sawAbort = false;
    const p = t.executeOutcome(
      (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            sawAbort = true;
            reject(ctx.signal.reason);
          });
        }),
    );
    await clock.advance(100);
    const out = await p;
    expect(sawAbort).toBe(true);
    expect(!out.ok && out.kind).toBe('timeout');
    expect(!out.ok && out.error).toBeInstanceOf(TimeoutError);
    await expect(
      (async () => {
        const q = t.execute(
          (ctx) => new Promise((_, rej) => ctx.signal.addEventListener('abort', () => rej(new Error('x')))),
        );
        await clock.advance(100);
        return q;
      })(),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it('aggressive strategy returns at the deadline even if the function ignores its signal', async () => {
    const clock = new FakeClock();
    const t = timeout({ timeoutMs: 50, strategy: 'aggressive', clock });
    const p = t.executeOutcome(() => new Promise(() => {}));
    await clock.advance(50);
    const out = await p;
    expect(!out.ok && out.kind).toBe('timeout');
  });

  it('creates no AbortController on the success path when the signal is never read', async () => {
    const clock = new FakeClock();
    const p = pipeline(timeout({ timeoutMs: 1000, clock }), retry({ clock }), circuitBreaker({ clock }));
    const parent = new AbortController(); // created before the spy
    const Original = globalThis.AbortController;
    let created = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        created++;
      }
    };
    try {
      for (let i = 0; i < 100; i++)
        expect((await p.executeOutcome(() => i, { signal: parent.signal })).ok).toBe(true);
      expect(created).toBe(0);
      await p.executeOutcome((ctx) => ctx.signal.aborted, { signal: parent.signal });
      expect(created).toBeGreaterThan(0);
    } finally {
      globalThis.AbortController = Original;
    }
  });

  it('10,000 executions sharing one parent signal leave no listener on it', async () => {
    const clock = new FakeClock();
    const p = pipeline(timeout({ timeoutMs: 1000, clock }), retry({ clock }));
    const parent = new AbortController();
    for (let i = 0; i < 10_000; i++) {
      await p.run((ctx) => success(ctx.signal.aborted), { signal: parent.signal });
    }
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('a caller abort reaches the function through the timeout scope', async () => {
    const clock = new FakeClock();
    const t = timeout({ timeoutMs: 10_000, clock });
    const parent = new AbortController();
    const p = t.executeOutcome(
      (ctx) => new Promise((_, rej) => ctx.signal.addEventListener('abort', () => rej(ctx.signal.reason))),
      { signal: parent.signal },
    );
    await clock.advance(1);
    parent.abort();
    const out = await p;
    expect(!out.ok && out.kind).toBe('aborted');
  });

  it('uses a single real timer and dispose() leaves no active Timeout', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const t = timeout(60_000);
    for (let i = 0; i < 50; i++) await t.executeOutcome(() => i);
    const during = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(during - before).toBeLessThanOrEqual(1);
    t.dispose();
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBe(before);
  });

  it('rejects a bad timeoutMs naming the field', () => {
    expect(() => timeout(0)).toThrow(/timeoutMs/);
  });
});
