import { describe, expect, it } from 'vitest';
import {
  commitNow,
  constantBackoff,
  type Failure,
  failure,
  fallbackOver,
  type Outcome,
  type PullNowIterator,
  RetryBudget,
  readUntilCommit,
  retry,
  success,
} from '../../src/core/index.js';
import { FakeClock } from '../../src/core/testing/index.js';
import { drive } from './drive.js';

const transient = (retryAfterMs?: number): Failure => failure('transient', new Error('x'), retryAfterMs);

describe('retryLoop: the retry the engine runs on', () => {
  it('asks the per-call decision before each retry, with the delay it would wait', async () => {
    const clock = new FakeClock();
    const r = retry({ clock, maxRetries: 5, backoff: constantBackoff(100) });
    const asked: Array<[number, number]> = [];
    const result = await drive(
      clock,
      r.retryLoop(() => transient(), {
        decide: (_f, i, delay) => {
          asked.push([i, delay]);
          return i === 2 ? 'deadline' : undefined;
        },
      }),
    );
    expect(result.stop).toBe('deadline');
    expect(result.retries).toBe(2);
    expect(asked).toEqual([
      [0, 100],
      [1, 100],
      [2, 100],
    ]);
  });

  it("a call's maxRetries lowers the policy's", async () => {
    const clock = new FakeClock();
    const r = retry({ clock, maxRetries: 5, backoff: constantBackoff(1) });
    let attempts = 0;
    const result = await drive(
      clock,
      r.retryLoop(
        () => {
          attempts++;
          return transient();
        },
        { maxRetries: 1 },
      ),
    );
    expect(result).toMatchObject({ stop: 'max-retries', retries: 1 });
    expect(attempts).toBe(2);
  });

  it('an infinite or absent retryAfterMs uses the backoff; a finite one is clamped', () => {
    const r = retry({ maxRetries: 1, backoff: constantBackoff(250), maxRetryAfterMs: 5000 });
    expect(r.delayFor(transient(Number.POSITIVE_INFINITY), 0, 0)).toBe(250);
    expect(r.delayFor(transient(undefined), 0, 0)).toBe(250);
    expect(r.delayFor(transient(60_000), 0, 0)).toBe(5000);
    expect(r.delayFor(transient(-5), 0, 0)).toBe(0);
  });

  it('the budget is asked last, only for a retry that would otherwise happen', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ maxTokens: 10, minTokens: 0, failureCost: 0 });
    const r = retry({ clock, maxRetries: 3, backoff: constantBackoff(1), budget });
    await drive(
      clock,
      r.retryLoop(() => transient(), { decide: () => 'no' }),
    );
    expect(budget.tokens).toBe(10);
  });
});

describe('fallbackOver: fallback over an ordered list of candidates', () => {
  it('tries candidates in order, skipping, until one succeeds', async () => {
    const tried: string[] = [];
    const result = await fallbackOver(
      ['a', 'b', 'c', 'd'],
      async (c): Promise<Outcome<string>> => {
        tried.push(c);
        return c === 'c' ? success(c) : transient();
      },
      { skip: (c) => c === 'b' },
    );
    expect(tried).toEqual(['a', 'c']);
    expect(result).toEqual({ outcome: { ok: true, value: 'c' }, index: 2 });
  });

  it('stops at a failure it does not handle (default: aborted)', async () => {
    const result = await fallbackOver(['a', 'b'], async () => failure('aborted', new Error('gone')));
    expect(result.index).toBe(0);
    expect(result.outcome && !result.outcome.ok && result.outcome.kind).toBe('aborted');
  });
});

describe('readUntilCommit: commit a stream on its first content', () => {
  async function* events(...items: string[]) {
    yield* items;
  }
  const decide = (e: string) =>
    e === 'content' ? ('commit' as const) : e === 'err' ? transient() : ('buffer' as const);
  const ended = () => failure('transient', new Error('ended'), undefined, 'stream_truncated');

  it('buffers until the commit event, then hands the stream over positioned after it', async () => {
    const it = events('role', 'content', 'more');
    const out = await readUntilCommit(it, decide, ended);
    expect(out.ok && out.value.buffered).toEqual(['role', 'content']);
    expect(out.ok && (await out.value.iterator.next()).value).toBe('more');
  });

  it('commitNow commits on the events at hand without a promise, else hands over what it read', async () => {
    const pull = (items: string[]) => {
      let i = 0;
      const it = {
        next: async () => ({ done: i >= items.length, value: items[i++] }) as IteratorResult<string>,
        // Only the first two events are at hand; the rest must be awaited.
        nextNow: () =>
          i < 2 ? ({ done: i >= items.length, value: items[i++] } as IteratorResult<string>) : undefined,
      };
      return it;
    };
    const now = commitNow(pull(['role', 'content']), decide, ended, []);
    expect(now?.ok && now.value.buffered).toEqual(['role', 'content']);
    const buffered: string[] = [];
    const later = pull(['role', 'role', 'content']);
    expect(commitNow(later, decide, ended, buffered)).toBeUndefined();
    expect(buffered).toEqual(['role', 'role']);
    const out = await readUntilCommit(later, decide, ended, buffered);
    expect(out.ok && out.value.buffered).toEqual(['role', 'role', 'content']);
    const broken: PullNowIterator<string> = {
      next: () => Promise.reject(new Error('x')),
      nextNow: () => {
        throw new Error('broken');
      },
    };
    const thrown = commitNow(broken, decide, ended, []);
    expect(thrown?.ok).toBe(false);
  });

  it('a failure or an early end before content is an outcome to fall back from', async () => {
    const failed = await readUntilCommit(events('role', 'err'), decide, ended);
    expect(!failed.ok && failed.kind).toBe('transient');
    const cut = await readUntilCommit(events('role'), decide, ended);
    expect(!cut.ok && cut.reason).toBe('stream_truncated');
  });
});
