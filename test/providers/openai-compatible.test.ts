import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_ANSWER } from '../../src/chaos/index.js';
import type { StreamEvent } from '../../src/providers/index.js';
import { OpenAICompatibleProvider, type ProviderError } from '../../src/providers/index.js';
import { closedPortURL, collect, useChaosUpstream } from '../helpers/chaos-upstream.js';

const chaos = useChaosUpstream();
const request = (model = 'gpt-test') => ({
  model,
  messages: [{ role: 'user' as const, content: 'Say hello' }],
});

function textOf(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'chunk' ? (e.chunk.choices[0]?.delta.content ?? '') : '')).join('');
}

describe('OpenAICompatibleProvider against the chaos upstream', () => {
  let provider: OpenAICompatibleProvider;
  beforeAll(() => {
    provider = new OpenAICompatibleProvider({
      baseURL: chaos.openaiBaseURL,
      apiKey: 'sk-test-key-abcdefghij',
    });
  });
  afterAll(async () => {
    await provider.close();
  });

  it('completes a non-streaming call', async () => {
    const out = await provider.complete(request());
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.value.object).toBe('chat.completion');
    expect(out.value.choices[0]?.message.content).toBe(DEFAULT_CHAOS_ANSWER);
    expect(out.value.choices[0]?.finish_reason).toBe('stop');
    expect(chaos.upstream.stats().models['gpt-test']?.requests).toBe(1);
  });

  it('streams chunks and ends with exactly one done event', async () => {
    const out = await provider.stream(request());
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const events = await collect(out.value);
    expect(textOf(events)).toBe(DEFAULT_CHAOS_ANSWER);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    expect(events.filter((e) => e.type !== 'chunk')).toHaveLength(1);
    expect(chaos.upstream.stats().models['gpt-test']?.streamed).toBe(1);
  });

  it('503 → transient', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { status: 503 } });
    const out = await provider.complete(request());
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.kind).toBe('transient');
    expect((out.error as ProviderError).status).toBe(503);
  });

  it('400 → request (no reason)', async () => {
    chaos.upstream.setFaults({ 'gpt-test': 'bad_request' });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : [out.kind, out.reason]).toEqual(['request', undefined]);
  });

  it('context-length 400 → request with reason context_length', async () => {
    chaos.upstream.setFaults({ 'gpt-test': 'context_length' });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : [out.kind, out.reason]).toEqual(['request', 'context_length']);
    if (!out.ok) expect((out.error as ProviderError).code).toBe('context_length_exceeded');
  });

  it('429 + Retry-After → throttled with retryAfterMs (also when opening a stream)', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { status: 429, retryAfter: 3 } });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : [out.kind, out.retryAfterMs]).toEqual(['throttled', 3000]);
    const opened = await provider.stream(request());
    expect(opened.ok ? 'success' : [opened.kind, opened.retryAfterMs]).toEqual(['throttled', 3000]);
  });

  it('401 → account, and the error never shows the API key', async () => {
    chaos.upstream.setFaults({ 'gpt-test': 'unauthorized' });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : out.kind).toBe('account');
    if (!out.ok) expect(JSON.stringify(out.error) + String(out.error)).not.toContain('sk-test-key');
  });

  it('malformed JSON body → malformed; empty 200 body → malformed', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { sequence: ['malformed', 'empty'] } });
    const first = await provider.complete(request());
    const second = await provider.complete(request());
    expect(first.ok ? 'success' : first.kind).toBe('malformed');
    expect(second.ok ? 'success' : second.kind).toBe('malformed');
  });

  it('malformed JSON chunk in a stream → error event malformed', async () => {
    chaos.upstream.setFaults({ 'gpt-test': 'malformed' });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events = await collect(out.value);
    const last = events.at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('malformed');
  });

  it('connection reset → transient', async () => {
    chaos.upstream.setFaults({ 'gpt-test': 'reset' });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : out.kind).toBe('transient');
    const opened = await provider.stream(request());
    expect(opened.ok ? 'success' : opened.kind).toBe('transient');
  });

  it('stall after the first chunk → error event timeout (idle limit)', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { stallAfterChunks: 1 } });
    const out = await provider.stream(request(), { idleTimeoutMs: 200, ttftTimeoutMs: 10_000 });
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events = await collect(out.value);
    expect(textOf(events)).toBe('The');
    const last = events.at(-1);
    expect(last?.type).toBe('error');
    if (last?.type === 'error') {
      expect(last.failure.kind).toBe('timeout');
      expect((last.failure.error as ProviderError).code).toBe('idle_timeout');
    }
    expect(events.filter((e) => e.type !== 'chunk')).toHaveLength(1);
  });

  it('slow first token → error event timeout (TTFT limit)', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { stallAfterChunks: 0 } });
    const out = await provider.stream(request(), { ttftTimeoutMs: 200 });
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events = await collect(out.value);
    const last = events.at(-1);
    expect(last?.type === 'error' ? (last.failure.error as ProviderError).code : last?.type).toBe(
      'ttft_timeout',
    );
  });

  it('slow response headers → TTFT timeout before the stream opens', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { latencyMs: 5000 } });
    const out = await provider.stream(request(), { ttftTimeoutMs: 200 });
    expect(out.ok ? 'success' : out.kind).toBe('timeout');
  });

  it('cut after N chunks → error event transient, never a clean finish', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { cutAfterChunks: 3 } });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events = await collect(out.value);
    expect(textOf(events)).toBe('The quick brown');
    const last = events.at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('transient');
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('a stream that ends cleanly without [DONE] or finish_reason → error event transient', async () => {
    chaos.upstream.setFaults({ 'gpt-test': 'no_done' });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events = await collect(out.value);
    const last = events.at(-1);
    expect(last?.type === 'error' ? (last.failure.error as ProviderError).code : last?.type).toBe(
      'stream_truncated',
    );
  });

  it('an in-stream error object → error event', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { streamErrorAfterChunks: 2 } });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events = await collect(out.value);
    const last = events.at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('transient');
  });

  it('a total timeout on a non-streaming call → timeout', async () => {
    const slow = new OpenAICompatibleProvider({ baseURL: chaos.openaiBaseURL, timeoutMs: 200 });
    try {
      chaos.upstream.setFaults({ 'gpt-test': { latencyMs: 5000 } });
      const out = await slow.complete(request());
      expect(out.ok ? 'success' : out.kind).toBe('timeout');
    } finally {
      await slow.close();
    }
  });

  it("the caller's abort → aborted, before and during the call", async () => {
    const pre = new AbortController();
    pre.abort();
    const before = await provider.complete(request(), { signal: pre.signal });
    expect(before.ok ? 'success' : before.kind).toBe('aborted');

    chaos.upstream.setFaults({ 'gpt-test': { latencyMs: 5000 } });
    const during = new AbortController();
    const pending = provider.complete(request(), { signal: during.signal });
    setTimeout(() => during.abort(), 50);
    const out = await pending;
    expect(out.ok ? 'success' : out.kind).toBe('aborted');
  });

  it('close() on an open stream releases it; iterating yields one aborted error', async () => {
    chaos.upstream.setFaults({ 'gpt-test': { stallAfterChunks: 2 } });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`stream did not open: ${out.kind}`);
    const events: StreamEvent[] = [];
    for await (const event of out.value) {
      events.push(event);
      if (textOf(events) === 'The quick') out.value.close();
    }
    const last = events.at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('aborted');
    out.value.close();
  });

  it('ping() = GET /models', async () => {
    expect((await provider.ping()).ok).toBe(true);
    chaos.upstream.setFaults({ '*': 'unavailable' });
    const out = await provider.ping();
    expect(out.ok ? 'success' : out.kind).toBe('transient');
  });

  it('the x-chaos-fault header selects a fault per request', async () => {
    const withHeader = new OpenAICompatibleProvider({
      baseURL: chaos.openaiBaseURL,
      headers: { 'x-chaos-fault': '502' },
    });
    try {
      const out = await withHeader.complete(request());
      expect(out.ok ? 'success' : [out.kind, (out.error as ProviderError).status]).toEqual([
        'transient',
        502,
      ]);
    } finally {
      await withHeader.close();
    }
  });
});

describe('OpenAICompatibleProvider without an upstream', () => {
  it('a refused connection → transient', async () => {
    const provider = new OpenAICompatibleProvider({ baseURL: `${await closedPortURL()}/v1` });
    try {
      const out = await provider.complete(request());
      expect(out.ok ? 'success' : out.kind).toBe('transient');
      if (!out.ok) expect((out.error as ProviderError).code).toBe('ECONNREFUSED');
      const opened = await provider.stream(request());
      expect(opened.ok ? 'success' : opened.kind).toBe('transient');
      expect((await provider.ping()).ok).toBe(false);
    } finally {
      await provider.close();
    }
  });

  it('rejects a bad baseURL with a message naming the field', () => {
    expect(() => new OpenAICompatibleProvider({ baseURL: 'not a url' })).toThrow(/baseURL/);
    expect(() => new OpenAICompatibleProvider({ baseURL: 'ftp://x' })).toThrow(/baseURL/);
  });
});

describe('OpenAICompatibleProvider response size limit', () => {
  it('fails an answer larger than maxResponseBytes as malformed (never buffers it all)', async () => {
    const big = `{"choices":[{"message":{"role":"assistant","content":"${'x'.repeat(300_000)}"}}]}`;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const small = new OpenAICompatibleProvider({
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxResponseBytes: 100_000,
    });
    const roomy = new OpenAICompatibleProvider({ baseURL: `http://127.0.0.1:${port}/v1` });
    try {
      const out = await small.complete(request());
      expect(out.ok ? 'success' : out.kind).toBe('malformed');
      if (!out.ok) expect((out.error as ProviderError).message).toContain('size limit');
      const fine = await roomy.complete(request());
      expect(fine.ok).toBe(true);
    } finally {
      await small.close();
      await roomy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
