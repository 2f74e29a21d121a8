import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_ANSWER } from '../../src/chaos/index.js';
import {
  AnthropicProvider,
  type ChatRequest,
  fromAnthropicResponse,
  type ProviderError,
  type StreamEvent,
  toAnthropicRequest,
} from '../../src/providers/index.js';
import { collect, useChaosUpstream } from '../helpers/chaos-upstream.js';

const chaos = useChaosUpstream({ apiKey: 'ant-key-123456789' });
const request = (model = 'claude-test'): ChatRequest => ({
  model,
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Say hello' },
  ],
});

function textOf(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'chunk' ? (e.chunk.choices[0]?.delta.content ?? '') : '')).join('');
}

describe('AnthropicProvider against the chaos upstream /v1/messages', () => {
  let provider: AnthropicProvider;
  beforeAll(() => {
    provider = new AnthropicProvider({ baseURL: chaos.url, apiKey: 'ant-key-123456789' });
  });
  afterAll(async () => {
    await provider.close();
  });

  it('completes a non-streaming call, mapped to the chat-completion shape', async () => {
    const out = await provider.complete(request());
    if (!out.ok) throw new Error(`failed: ${out.kind}`);
    expect(out.value.object).toBe('chat.completion');
    expect(out.value.choices[0]?.message.content).toBe(DEFAULT_CHAOS_ANSWER);
    expect(out.value.choices[0]?.finish_reason).toBe('stop');
    expect(out.value.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('streams: chunks with the text, a finish reason, then one done event', async () => {
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`failed: ${out.kind}`);
    const events = await collect(out.value);
    expect(textOf(events)).toBe(DEFAULT_CHAOS_ANSWER);
    const finish = events
      .flatMap((e) => (e.type === 'chunk' ? [e.chunk.choices[0]?.finish_reason] : []))
      .filter(Boolean);
    expect(finish).toEqual(['stop']);
    expect(events.at(-1)).toEqual({ type: 'done' });
    expect(events.filter((e) => e.type !== 'chunk')).toHaveLength(1);
  });

  it('529 overloaded → transient (reason overloaded)', async () => {
    chaos.upstream.setFaults({ 'claude-test': 'overloaded' });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : [out.kind, out.reason]).toEqual(['transient', 'overloaded']);
    if (!out.ok) expect((out.error as ProviderError).code).toBe('overloaded_error');
  });

  it('an overloaded_error event mid-stream → error event transient', async () => {
    chaos.upstream.setFaults({ 'claude-test': { streamErrorAfterChunks: 2, errorType: 'overloaded_error' } });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`failed: ${out.kind}`);
    const events = await collect(out.value);
    expect(textOf(events)).toBe('The quick');
    const last = events.at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('transient');
  });

  it('a wrong key → 401 → account', async () => {
    const wrong = new AnthropicProvider({ baseURL: chaos.url, apiKey: 'ant-wrong-key-999' });
    try {
      const out = await wrong.complete(request());
      expect(out.ok ? 'success' : out.kind).toBe('account');
      if (!out.ok) expect(String(out.error)).not.toContain('ant-wrong-key-999');
    } finally {
      await wrong.close();
    }
  });

  it('context-length 400 → request with reason context_length', async () => {
    chaos.upstream.setFaults({ 'claude-test': 'context_length' });
    const out = await provider.complete(request());
    expect(out.ok ? 'success' : [out.kind, out.reason]).toEqual(['request', 'context_length']);
  });

  it('a cut stream → error event transient', async () => {
    chaos.upstream.setFaults({ 'claude-test': { cutAfterChunks: 2 } });
    const out = await provider.stream(request());
    if (!out.ok) throw new Error(`failed: ${out.kind}`);
    const last = (await collect(out.value)).at(-1);
    expect(last?.type === 'error' ? last.failure.kind : last?.type).toBe('transient');
  });

  it('ping() = GET /v1/models', async () => {
    expect((await provider.ping()).ok).toBe(true);
  });
});

describe('Anthropic request/response mapping', () => {
  it('moves system messages to system, stop to stop_sequences, defaults max_tokens to 1024', () => {
    const body = toAnthropicRequest({ ...request(), stop: 'END', temperature: 0.2 }, true);
    expect(body).toMatchObject({
      model: 'claude-test',
      system: 'Be brief.',
      max_tokens: 1024,
      stop_sequences: ['END'],
      temperature: 0.2,
      stream: true,
      messages: [{ role: 'user', content: 'Say hello' }],
    });
    expect(toAnthropicRequest({ ...request(), max_tokens: 50 }, false)['max_tokens']).toBe(50);
  });

  it('maps tools, tool calls and tool results', () => {
    const body = toAnthropicRequest(
      {
        model: 'c',
        messages: [
          { role: 'user', content: 'weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 't1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 't1', content: 'sunny' },
        ],
        tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      },
      false,
    );
    expect(body['tools']).toEqual([
      { name: 'weather', description: undefined, input_schema: { type: 'object' } },
    ]);
    expect(body['tool_choice']).toEqual({ type: 'any' });
    expect(body['messages']).toEqual([
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: [{ type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Paris' } }],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'sunny' }] },
    ]);
  });

  it.each([
    ['end_turn', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['stop_sequence', 'stop'],
  ])('stop_reason %s → finish_reason %s', (stop, finish) => {
    const out = fromAnthropicResponse(
      { id: 'm', model: 'c', content: [{ type: 'text', text: 'x' }], stop_reason: stop },
      0,
    );
    expect(typeof out === 'string' ? out : out.choices[0]?.finish_reason).toBe(finish);
  });

  it('maps a tool_use block to tool_calls and rejects a body without content', () => {
    const out = fromAnthropicResponse(
      {
        id: 'm',
        model: 'c',
        content: [{ type: 'tool_use', id: 't', name: 'f', input: { a: 1 } }],
        stop_reason: 'tool_use',
      },
      0,
    );
    if (typeof out === 'string') throw new Error(out);
    expect(out.choices[0]?.message.tool_calls).toEqual([
      { id: 't', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
    ]);
    expect(typeof fromAnthropicResponse({ id: 'm' }, 0)).toBe('string');
  });
});
