import { describe, expect, it } from 'vitest';
import { CancelSource, Singleflight } from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';

describe('singleflight (request coalescing)', () => {
  it('identical concurrent calls share one execution and its outcome', async () => {
    const clock = new FakeClock();
    const sf = new Singleflight();
    let runs = 0;
    const fn = () =>
      new Promise<string>((resolve) => {
        const n = ++runs;
        clock.setTimer(() => resolve(`answer ${n}`), 10);
      });
    const a = sf.executeOutcome('k', fn);
    const b = sf.executeOutcome('k', fn);
    const other = sf.executeOutcome('other', fn);
    expect(sf.inFlight).toBe(2);
    await clock.advance(10);
    expect(await a).toEqual({ ok: true, value: 'answer 1' });
    expect(await b).toBe(await a);
    expect((await other).ok).toBe(true);
    expect(runs).toBe(2);
  });

  it('reset rules: once settled (success or failure) the next call runs anew; forget() frees a key early', async () => {
    const sf = new Singleflight();
    let runs = 0;
    await sf.executeOutcome('k', () => {
      runs++;
      throw new Error('fails');
    });
    expect(sf.has('k')).toBe(false);
    await sf.executeOutcome('k', () => ++runs);
    expect(runs).toBe(2);
    let release: (v: number) => void = () => {};
    const first = sf.executeOutcome('k', () => new Promise<number>((r) => (release = r)));
    expect(sf.forget('k')).toBe(true);
    const second = sf.executeOutcome('k', () => 42);
    expect(await second).toEqual({ ok: true, value: 42 });
    release(7);
    expect(await first).toEqual({ ok: true, value: 7 });
  });

  it('a caller that aborts stops waiting; the shared work is cancelled only when every waiter aborted', async () => {
    const clock = new FakeClock();
    const sf = new Singleflight();
    let shared: AbortSignal | undefined;
    const fn = (ctx: { signal: AbortSignal }) =>
      new Promise<string>((resolve, reject) => {
        shared = ctx.signal;
        const t = clock.setTimer(() => resolve('done'), 100);
        ctx.signal.addEventListener('abort', () => {
          clock.clearTimer(t);
          reject(ctx.signal.reason);
        });
      });
    const c1 = new CancelSource();
    const c2 = new CancelSource();
    const a = sf.executeOutcome('k', fn, { signal: c1 });
    const b = sf.executeOutcome('k', fn, { signal: c2 });
    c1.abort('gone');
    const outA = await a;
    expect(!outA.ok && outA.kind).toBe('aborted');
    expect(shared!.aborted).toBe(false);
    c2.abort('gone too');
    const outB = await b;
    expect(!outB.ok && outB.kind).toBe('aborted');
    expect(shared!.aborted).toBe(true);
    await clock.advance(0);
    expect(sf.inFlight).toBe(0);
  });

  it('execute throws the shared failure to every caller', async () => {
    const sf = new Singleflight();
    const fn = async () => {
      throw new Error('upstream down');
    };
    await expect(Promise.all([sf.execute('k', fn), sf.execute('k', fn)])).rejects.toThrow('upstream down');
  });
});
