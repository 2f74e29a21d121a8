import { describe, expect, it } from 'vitest';
import { asAbortSignal, CancelSource, type Outcome, pipeline, retry, timeout } from '../../src/core/index.js';

describe('CancelSource', () => {
  it('calls each listener once, in order, and reports aborted with the reason', () => {
    const source = new CancelSource();
    const calls: string[] = [];
    source.addEventListener('abort', () => calls.push('a'));
    source.addEventListener('abort', () => calls.push('b'));
    source.addEventListener('abort', () => calls.push('c'));
    expect(source.aborted).toBe(false);
    source.abort('gone');
    source.abort('again');
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(source.aborted).toBe(true);
    expect(source.reason).toBe('gone');
  });

  it('does not call removed listeners (first or later ones)', () => {
    const source = new CancelSource();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    const c = () => calls.push('c');
    source.addEventListener('abort', a);
    source.addEventListener('abort', b);
    source.addEventListener('abort', c);
    source.removeEventListener('abort', a);
    source.removeEventListener('abort', c);
    source.abort();
    expect(calls).toEqual(['b']);
  });

  it('gives an AbortError reason when none is given, and a throwing listener does not stop the rest', () => {
    const source = new CancelSource();
    let reached = false;
    source.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    source.addEventListener('abort', () => {
      reached = true;
    });
    source.abort();
    expect(reached).toBe(true);
    expect((source.reason as Error).name).toBe('AbortError');
  });

  it('cancels a policy run like an AbortSignal does', async () => {
    const source = new CancelSource();
    const p = pipeline(timeout(10_000), retry({ maxRetries: 0 }));
    const out = p.run(
      (ctx) =>
        new Promise<Outcome<string>>((resolve) => {
          ctx.signal.addEventListener('abort', () =>
            resolve({ ok: false, kind: 'aborted', error: undefined }),
          );
        }),
      { signal: source },
    );
    source.abort('client left');
    expect((await out).ok).toBe(false);
  });
});

describe('asAbortSignal', () => {
  it('returns a real AbortSignal as it is', () => {
    const controller = new AbortController();
    expect(asAbortSignal(controller.signal).signal).toBe(controller.signal);
    expect(asAbortSignal(undefined).signal).toBeUndefined();
  });

  it('links a CancelSource to a new AbortSignal, and unlink() cuts the link', () => {
    const first = new CancelSource();
    const linked = asAbortSignal(first);
    expect(linked.signal).toBeInstanceOf(AbortSignal);
    first.abort('why');
    expect(linked.signal?.aborted).toBe(true);
    expect(linked.signal?.reason).toBe('why');

    const second = new CancelSource();
    const cut = asAbortSignal(second);
    cut.unlink();
    second.abort();
    expect(cut.signal?.aborted).toBe(false);
  });

  it('is already aborted for an aborted source', () => {
    const source = new CancelSource();
    source.abort('early');
    expect(asAbortSignal(source).signal?.aborted).toBe(true);
  });
});
