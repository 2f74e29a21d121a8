/**
 * Which events of a simple frame keep the frame's bytes (so the gateway forwards them as they came): a
 * chunk whose text is the frame's data unchanged and the `data: [DONE]` marker; never a chunk a translator
 * rebuilt nor another translator's end, whose bytes are not what an OpenAI client expects.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { CallWatch } from '../../src/providers/call-watch.js';
import { SseProviderStream, type StreamTranslator } from '../../src/providers/sse-stream.js';
import type { ChatCompletionChunk, StreamEvent } from '../../src/providers/types.js';

const CHUNK: ChatCompletionChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [],
};

async function eventsOf(sse: string, translator: StreamTranslator): Promise<StreamEvent[]> {
  const body = {
    async *[Symbol.asyncIterator]() {
      yield Buffer.from(sse);
    },
    destroy() {},
  };
  const stream = new SseProviderStream(
    body,
    new CallWatch(systemClock, undefined),
    translator,
    { provider: 'p' },
    {},
  );
  const out: StreamEvent[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

describe('SseProviderStream: frames forwarded as bytes', () => {
  it('keeps the frame of an unchanged chunk and of [DONE]', async () => {
    const events = await eventsOf('data: {"a":1}\n\ndata: [DONE]\n\n', {
      translate: (e) => (e.data === '[DONE]' ? { end: { type: 'done' } } : { chunk: CHUNK, text: e.data }),
      endWithoutMarker: () => ({ type: 'done' }),
    });
    expect(events.map((e) => ('frameEnd' in e ? [e.type, e.frameStart, e.frameEnd] : [e.type]))).toEqual([
      ['chunk', 0, 15],
      ['done', 15, 29],
    ]);
  });

  it('keeps no frame for a rebuilt chunk nor for an end marked otherwise', async () => {
    const events = await eventsOf('data: {"a":1}\n\ndata: {"stop":true}\n\n', {
      translate: (e) =>
        e.data.includes('stop') ? { end: { type: 'done' } } : { chunk: CHUNK, text: '{"b":2}' },
      endWithoutMarker: () => ({ type: 'done' }),
    });
    expect(events.map((e) => e.type)).toEqual(['chunk', 'done']);
    expect(events.every((e) => !('frameBytes' in e) || e.frameBytes === undefined)).toBe(true);
  });
});
