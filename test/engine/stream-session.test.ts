/**
 * A committed stream: buffered events first, then the provider's; the end is reported exactly once and
 * settles the breaker permit (a consumer that stops early is neutral); the provider stream always closes.
 */
import { describe, expect, it } from 'vitest';
import type { BreakerPermit } from '../../src/core/breaker/breaker-permit.js';
import { failure } from '../../src/core/outcome.js';
import { committedEvents, type OpenedStream } from '../../src/engine/stream-session.js';
import type { ChatCompletionChunk, StreamEvent } from '../../src/providers/types.js';

const chunk = (content: string): StreamEvent => ({
  type: 'chunk',
  chunk: {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  } as ChatCompletionChunk,
});

function setup(buffered: StreamEvent[], rest: Array<StreamEvent | Error | 'end'>) {
  const log: string[] = [];
  let closed = 0;
  const iterator: AsyncIterator<StreamEvent> = {
    next: async () => {
      const item = rest.shift() ?? 'end';
      if (item instanceof Error) throw item;
      if (item === 'end') return { done: true, value: undefined };
      return { done: false, value: item };
    },
  };
  const opened: OpenedStream = {
    stream: { close: () => void closed++, [Symbol.asyncIterator]: () => iterator },
    iterator,
    buffered,
  };
  const permit = {
    record: (kind: string) => log.push(`permit.record ${kind}`),
    release: () => log.push('permit.release'),
  } as unknown as BreakerPermit;
  const events = committedEvents(
    opened,
    permit,
    0,
    () => 5,
    3,
    (kind, ttft) => log.push(`end ${kind} ${ttft}`),
  );
  return { events, log, closed: () => closed };
}

async function drain(it: AsyncIterator<StreamEvent>): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const next = await it.next();
    if (next.done) return out;
    const e = next.value;
    out.push(e.type === 'chunk' ? (e.chunk.choices[0]?.delta.content ?? '') : e.type);
  }
}

describe('committedEvents', () => {
  it('replays the buffered events, then the rest, and reports success once', async () => {
    const s = setup([chunk('a')], [chunk('b'), { type: 'done' }, chunk('never')]);
    expect(await drain(s.events)).toEqual(['a', 'b', 'done']);
    expect(await s.events.next()).toEqual({ done: true, value: undefined });
    expect(s.log).toEqual(['permit.record success', 'end success 3']);
    expect(s.closed()).toBe(1);
  });

  it('ends a stream that stops without a terminal event with a transient error (stream_truncated)', async () => {
    const s = setup([chunk('a')], [chunk('b'), 'end']);
    const seen: StreamEvent[] = [];
    for (;;) {
      const next = await s.events.next();
      if (next.done) break;
      seen.push(next.value);
    }
    const last = seen.at(-1)!;
    expect(last.type === 'error' ? [last.failure.kind, last.failure.reason] : last.type).toEqual([
      'transient',
      'stream_truncated',
    ]);
    expect(s.log).toEqual(['permit.record transient', 'end transient 3']);
  });

  it('records a mid-stream error event with its kind', async () => {
    const s = setup([chunk('a')], [{ type: 'error', failure: failure('timeout', new Error('idle')) }]);
    expect(await drain(s.events)).toEqual(['a', 'error']);
    expect(s.log).toEqual(['permit.record timeout', 'end timeout 3']);
    expect(s.closed()).toBe(1);
  });

  it('a consumer that stops early is neutral: the permit goes back, the end is aborted, the stream closes', async () => {
    const s = setup([chunk('a')], [chunk('b'), chunk('c')]);
    await s.events.next();
    await s.events.return();
    await s.events.return();
    expect(await s.events.next()).toEqual({ done: true, value: undefined });
    expect(s.log).toEqual(['permit.release', 'end aborted 3']);
    expect(s.closed()).toBe(1);
  });

  it('passes on a provider iterator that throws, after ending as aborted and closing', async () => {
    const s = setup([], [new Error('boom')]);
    await expect(s.events.next()).rejects.toThrow('boom');
    expect(s.log).toEqual(['permit.release', 'end aborted 3']);
    expect(s.closed()).toBe(1);
  });

  it('hands out what is at hand without a promise: the buffered events, then what the provider holds', async () => {
    const s = setup([chunk('a'), chunk('b')], [chunk('c'), { type: 'done' }]);
    const held: StreamEvent[] = [chunk('c'), { type: 'done' }];
    // A provider iterator that holds its events (as the SSE iterator does for one network read).
    const provider = {
      next: async () => ({ done: false as const, value: held.shift()! }),
      nextNow: () => (held.length > 0 ? { done: false as const, value: held.shift()! } : undefined),
    };
    const opened: OpenedStream = {
      stream: { close: () => undefined, [Symbol.asyncIterator]: () => provider },
      iterator: provider,
      buffered: [chunk('a'), chunk('b')],
    };
    const events = committedEvents(
      opened,
      undefined,
      0,
      () => 5,
      3,
      (kind) => s.log.push(`end ${kind}`),
    );
    const seen: string[] = [];
    for (let next = events.nextNow(); next !== undefined && !next.done; next = events.nextNow()) {
      seen.push(
        next.value.type === 'chunk' ? (next.value.chunk.choices[0]?.delta.content ?? '') : next.value.type,
      );
    }
    expect(seen).toEqual(['a', 'b', 'c', 'done']);
    expect(s.log).toEqual(['end success']);
    expect(events.nextNow()).toEqual({ done: true, value: undefined });
  });

  it('says "await next()" (undefined) when the provider holds nothing or cannot tell', async () => {
    const s = setup([], [chunk('x')]);
    expect(s.events.nextNow()).toBeUndefined();
    expect(await drain(s.events)).toEqual(['x', 'error']);
  });
});
