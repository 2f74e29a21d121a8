import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempt, chunk, FakeStream } from './fake-backend.js';
import { type Harness, harness, KEYS, SECURED } from './helpers.js';

let h: Harness;
let client: OpenAI;
/** Our own connection pool, destroyed before the app closes (no idle pre-connected socket keeps it open). */
const agent = new Agent();
const fetchWithAgent = ((url: string, init?: Record<string, unknown>) =>
  undiciFetch(url, { ...init, dispatcher: agent })) as unknown as typeof fetch;

beforeAll(async () => {
  h = await harness({
    ...SECURED,
    security: { ...(SECURED.security as object), clientKeys: [{ name: 'sdk', key: KEYS.client }] },
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = h.app.server.address() as AddressInfo;
  client = new OpenAI({
    apiKey: KEYS.client,
    baseURL: `http://127.0.0.1:${port}/v1`,
    maxRetries: 0,
    fetch: fetchWithAgent,
  });
});
afterAll(async () => {
  await agent.destroy();
  await h.app.close();
});

describe('the official openai client against the gateway', () => {
  it('gets a non-streaming completion and the hive headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('hello from gpt-a');
    expect(response.headers.get('x-hive-model')).toBe('gpt-a');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(h.backend.requests.at(-1)!.target).toBe('fast');
  });

  it('streams a completion chunk by chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-a',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello');
  });

  it('surfaces a mid-stream failure as an error, not a silent finish', async () => {
    const previous = h.backend.onStream;
    h.backend.onStream = async (req) => {
      const s = new FakeStream(
        [
          { type: 'chunk', chunk: chunk('gpt-a', 'par') },
          { type: 'error', failure: { ok: false, kind: 'transient', error: undefined } },
        ],
        'gpt-a',
        [attempt('gpt-a')],
        false,
        req.requestId!,
      );
      return {
        ok: true,
        value: s,
        requestId: s.requestId,
        model: 'gpt-a',
        attempts: s.attempts,
        fallback: false,
      };
    };
    try {
      const stream = await client.chat.completions.create({
        model: 'gpt-a',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      const consume = async () => {
        for await (const _ of stream) {
          // drain
        }
      };
      await expect(consume()).rejects.toThrow(/failed after it started/);
    } finally {
      h.backend.onStream = previous;
    }
  });

  it('maps errors to the SDK error classes', async () => {
    await expect(
      client.chat.completions.create({ model: 'ghost', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const bad = new OpenAI({
      apiKey: 'wrong-key-123456',
      baseURL: client.baseURL,
      maxRetries: 0,
      fetch: fetchWithAgent,
    });
    await expect(
      bad.chat.completions.create({ model: 'gpt-a', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('closes the engine stream when the client disconnects', async () => {
    const previous = h.backend.onStream;
    let made: FakeStream | undefined;
    h.backend.onStream = async (req) => {
      made = new FakeStream(
        [
          { type: 'chunk', chunk: chunk('gpt-a', 'a') },
          { type: 'chunk', chunk: chunk('gpt-a', 'b') },
          { type: 'done' },
        ],
        'gpt-a',
        [attempt('gpt-a')],
        false,
        req.requestId!,
        1,
      );
      return {
        ok: true,
        value: made,
        requestId: made.requestId,
        model: 'gpt-a',
        attempts: made.attempts,
        fallback: false,
      };
    };
    try {
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }], stream: true },
        { signal: controller.signal },
      );
      const it = stream[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.value?.choices[0]?.delta.content).toBe('a');
      controller.abort();
      for (let i = 0; i < 100 && !made!.closed; i++) await new Promise((r) => setTimeout(r, 10));
      expect(made!.closed).toBe(true);
    } finally {
      h.backend.onStream = previous;
    }
  });
});
