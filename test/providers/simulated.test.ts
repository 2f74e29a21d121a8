import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import {
  type ChatRequest,
  createProvider,
  SimulatedProvider,
  type StreamEvent,
} from '../../src/providers/index.js';
import { collect } from '../helpers/chaos-upstream.js';

const ask = (content: string): ChatRequest => ({ model: 'sim', messages: [{ role: 'user', content }] });

describe('SimulatedProvider on a FakeClock', () => {
  it('answers only after latencyMs has passed on the clock', async () => {
    const clock = new FakeClock();
    const provider = new SimulatedProvider({ clock, latencyMs: 500, answer: 'fixed' });
    let settled = false;
    const pending = provider.complete(ask('hi')).then((out) => {
      settled = true;
      return out;
    });
    await clock.advance(499);
    expect(settled).toBe(false);
    await clock.advance(1);
    const out = await pending;
    expect(out.ok && out.value.choices[0]?.message.content).toBe('fixed');
  });

  it('echoes, and answers canary prompts with canned answers', async () => {
    const provider = new SimulatedProvider({ echo: true, canaryAnswers: { 'What is 2+2?': '4' } });
    const echo = await provider.complete(ask('repeat me'));
    const canary = await provider.complete(ask('  What is 2+2? '));
    expect(echo.ok && echo.value.choices[0]?.message.content).toBe('repeat me');
    expect(canary.ok && canary.value.choices[0]?.message.content).toBe('4');
  });

  it('follows a scripted sequence of outcomes, then succeeds', async () => {
    const provider = new SimulatedProvider({
      script: [
        'transient',
        { kind: 'throttled', retryAfterMs: 250 },
        'success',
        { kind: 'request', reason: 'context_length' },
      ],
    });
    const kinds: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await provider.complete(ask('x'));
      kinds.push(out.ok ? 'success' : [out.kind, out.retryAfterMs, out.reason]);
    }
    expect(kinds).toEqual([
      ['transient', undefined, undefined],
      ['throttled', 250, undefined],
      'success',
      ['request', undefined, 'context_length'],
      'success',
    ]);
  });

  it('fails every n-th call', async () => {
    const provider = new SimulatedProvider({ failEveryNth: 3, failureKind: 'timeout' });
    const kinds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await provider.complete(ask('x'));
      kinds.push(out.ok ? 'ok' : out.kind);
    }
    expect(kinds).toEqual(['ok', 'ok', 'timeout', 'ok', 'ok', 'timeout']);
  });

  it('a seeded failureRate repeats exactly and is roughly the rate', async () => {
    const run = async () => {
      const provider = new SimulatedProvider({ failureRate: 0.3, seed: 42 });
      const kinds: boolean[] = [];
      for (let i = 0; i < 200; i++) kinds.push((await provider.complete(ask('x'))).ok);
      return kinds;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    const failures = a.filter((ok) => !ok).length;
    expect(failures).toBeGreaterThan(30);
    expect(failures).toBeLessThan(90);
  });

  it('streams the answer in chunks spaced by the clock, ending with done', async () => {
    const clock = new FakeClock();
    const provider = new SimulatedProvider({
      clock,
      answer: 'abcdefgh',
      chunkCount: 4,
      ttftMs: 100,
      chunkIntervalMs: 10,
    });
    const opened = await provider.stream(ask('x'));
    if (!opened.ok) throw new Error(opened.kind);
    const pending = collect(opened.value);
    await clock.advance(99);
    await clock.advance(200);
    const events = await pending;
    const text = events
      .map((e) => (e.type === 'chunk' ? (e.chunk.choices[0]?.delta.content ?? '') : ''))
      .join('');
    expect(text).toBe('abcdefgh');
    expect(events.filter((e) => e.type === 'chunk' && e.chunk.choices[0]?.delta.content)).toHaveLength(4);
    expect(events.at(-1)).toEqual({ type: 'done' });
  });

  it('a scripted mid-stream failure ends with one error event after the chunks', async () => {
    const provider = new SimulatedProvider({
      answer: 'abcd',
      chunkCount: 4,
      script: [{ kind: 'transient', afterChunks: 2 }],
    });
    const opened = await provider.stream(ask('x'));
    if (!opened.ok) throw new Error(opened.kind);
    const events: StreamEvent[] = await collect(opened.value);
    const last = events.at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('transient');
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('a chunk interval longer than the idle limit → timeout error event at the limit', async () => {
    const clock = new FakeClock();
    const provider = new SimulatedProvider({ clock, answer: 'abcd', chunkCount: 2, chunkIntervalMs: 1000 });
    const opened = await provider.stream(ask('x'), { idleTimeoutMs: 200 });
    if (!opened.ok) throw new Error(opened.kind);
    const pending = collect(opened.value);
    await clock.advance(200);
    const last = (await pending).at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('timeout');
  });

  it("the caller's abort during the latency → aborted", async () => {
    const clock = new FakeClock();
    const provider = new SimulatedProvider({ clock, latencyMs: 1000 });
    const controller = new AbortController();
    const pending = provider.complete(ask('x'), { signal: controller.signal });
    controller.abort();
    const out = await pending;
    expect(out.ok ? 'ok' : out.kind).toBe('aborted');
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a bad failureRate naming the field', () => {
    expect(() => new SimulatedProvider({ failureRate: 2 })).toThrow(/failureRate/);
  });
});

describe('createProvider', () => {
  it('builds each kind and names the field at fault', async () => {
    expect(createProvider({ kind: 'simulated', simulated: { answer: 'a' } }).kind).toBe('simulated');
    const openai = createProvider({ kind: 'openai', baseURL: 'http://127.0.0.1:1/v1' });
    const anthropic = createProvider({ kind: 'anthropic', baseURL: 'http://127.0.0.1:1' });
    expect([openai.kind, anthropic.kind]).toEqual(['openai', 'anthropic']);
    await openai.close();
    await anthropic.close();
    expect(() => createProvider({ kind: 'openai' })).toThrow(/baseURL/);
    expect(() => createProvider({ kind: 'bogus' as 'openai' })).toThrow(/provider: expected/);
  });
});
