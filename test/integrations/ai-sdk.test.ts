/**
 * Real `generateText` / `streamText` / `wrapLanguageModel` calls from the `ai` package (v6) against local
 * fake providers (the AI SDK's own `MockLanguageModelV3`), through hive-resilience's AI SDK integration.
 */
import {
  APICallError,
  type LanguageModelV3GenerateResult,
  type LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { generateText, simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { ConstantBackoff } from '../../src/core/index.js';
import {
  AllModelsFailedError,
  type PoolEvent,
  resilienceMiddleware,
  resilientLanguageModel,
} from '../../src/integrations/ai-sdk/index.js';

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 2, text: 2, reasoning: undefined },
};
const stop = { unified: 'stop' as const, raw: 'stop' };

function answer(text: string): LanguageModelV3GenerateResult {
  return { content: [{ type: 'text', text }], finishReason: stop, usage, warnings: [] };
}

function apiError(statusCode: number, message = 'upstream said no', headers: Record<string, string> = {}) {
  return new APICallError({
    message,
    url: 'http://127.0.0.1/v1/chat',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    isRetryable: statusCode >= 500,
  });
}

function failing(modelId: string, error: () => unknown): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: 'fake',
    modelId,
    doGenerate: async () => {
      throw error();
    },
    doStream: async () => {
      throw error();
    },
  });
}

function streamOf(parts: LanguageModelV3StreamPart[]) {
  return { stream: simulateReadableStream({ chunks: parts, chunkDelayInMs: null }) };
}

const textParts = (text: string): LanguageModelV3StreamPart[] => [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: '1' },
  ...text.split(' ').map((w, i) => ({ type: 'text-delta' as const, id: '1', delta: i === 0 ? w : ` ${w}` })),
  { type: 'text-end', id: '1' },
  { type: 'finish', finishReason: stop, usage },
];

function working(modelId: string, text: string): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    provider: 'fake',
    modelId,
    doGenerate: async () => answer(text),
    doStream: async () => streamOf(textParts(text)),
  });
}

const fast = { backoff: new ConstantBackoff(0) };

describe('resilientLanguageModel with generateText', () => {
  it('falls back past a failing model and retries it first', async () => {
    const primary = failing('primary', () => apiError(503));
    const backup = working('backup', 'hello from backup');
    const events: PoolEvent[] = [];
    const model = resilientLanguageModel([primary, backup], {
      ...fast,
      maxRetries: 1,
      onEvent: (e) => events.push(e),
    });
    const result = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('hello from backup');
    expect(primary.doGenerateCalls).toHaveLength(2); // first try + one retry
    expect(backup.doGenerateCalls).toHaveLength(1);
    expect(events.filter((e) => e.type === 'fallback')).toEqual([
      { type: 'fallback', from: 'fake:primary', to: 'fake:backup', kind: 'transient' },
    ]);
    expect(model.pool.health.health('fake:primary')?.consecutiveFailures).toBe(2);
  });

  it('does not retry or fall back on a 400: the caller gets the error', async () => {
    const primary = failing('primary', () => apiError(400, 'bad tool schema'));
    const backup = working('backup', 'never');
    const model = resilientLanguageModel([primary, backup], fast);
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow('bad tool schema');
    expect(primary.doGenerateCalls).toHaveLength(1);
    expect(backup.doGenerateCalls).toHaveLength(0);
  });

  it('moves a context-length error on to the next model, and a long retry-after too', async () => {
    const tooLong = failing('small', () =>
      apiError(400, "This model's maximum context length is 8192 tokens"),
    );
    const limited = failing('limited', () => apiError(429, 'slow down', { 'retry-after': '30' }));
    const big = working('big', 'fits');
    const model = resilientLanguageModel([tooLong, limited, big], { ...fast, maxRetries: 3 });
    expect((await generateText({ model, prompt: 'long', maxRetries: 0 })).text).toBe('fits');
    expect(tooLong.doGenerateCalls).toHaveLength(1);
    expect(limited.doGenerateCalls).toHaveLength(1); // 30 s > fallbackInsteadOfWait: no wait, no retry
  });

  it('opens the breaker after consecutive failures and stops calling that model', async () => {
    const primary = failing('primary', () => apiError(500));
    const backup = working('backup', 'ok');
    const model = resilientLanguageModel([primary, backup], {
      ...fast,
      maxRetries: 0,
      breaker: { consecutiveFailures: 3 },
    });
    for (let i = 0; i < 6; i++) await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(primary.doGenerateCalls).toHaveLength(3);
    expect(backup.doGenerateCalls).toHaveLength(6);
    expect(model.pool.breaker('fake:primary').state).toBe('open');
  });

  it('throws AllModelsFailedError with the attempt trail when everything fails', async () => {
    const model = resilientLanguageModel(
      [
        failing('a', () => apiError(502)),
        failing('b', () => new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })),
      ],
      { ...fast, maxRetries: 0 },
    );
    const error = await generateText({ model, prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllModelsFailedError);
    expect((error as AllModelsFailedError).attempts.map((a) => `${a.model}:${a.kind}`)).toEqual([
      'fake:a:transient',
      'fake:b:transient',
    ]);
  });
});

describe('resilientLanguageModel with streamText', () => {
  it('fails over before the first chunk (an error part, or a stream that throws on open)', async () => {
    const erroring = new MockLanguageModelV3({
      provider: 'fake',
      modelId: 'erroring',
      doStream: async () =>
        streamOf([
          { type: 'stream-start', warnings: [] },
          { type: 'error', error: apiError(503) },
        ]),
    });
    const throwing = failing('throwing', () => apiError(529, 'Overloaded'));
    const backup = working('backup', 'streamed from backup');
    const model = resilientLanguageModel([erroring, throwing, backup], { ...fast, maxRetries: 0 });
    const result = streamText({ model, prompt: 'hi', maxRetries: 0 });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('streamed from backup');
    expect(await result.finishReason).toBe('stop');
    expect(erroring.doStreamCalls).toHaveLength(1);
    expect(throwing.doStreamCalls).toHaveLength(1);
    expect(model.pool.health.health('fake:backup')?.consecutiveFailures).toBe(0);
  });

  it('surfaces an error after the first chunk (no failover, recorded against the model)', async () => {
    const cut = new MockLanguageModelV3({
      provider: 'fake',
      modelId: 'cut',
      doStream: async () =>
        streamOf([
          { type: 'stream-start', warnings: [] },
          { type: 'text-start', id: '1' },
          { type: 'text-delta', id: '1', delta: 'The quick' },
          { type: 'error', error: apiError(500, 'connection reset mid-stream') },
        ]),
    });
    const backup = working('backup', 'never');
    const model = resilientLanguageModel([cut, backup], { ...fast, maxRetries: 0 });
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'hi',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const parts: string[] = [];
    for await (const part of result.fullStream)
      parts.push(part.type === 'text-delta' ? `text:${part.text}` : part.type);
    expect(parts).toContain('text:The quick');
    expect(parts).toContain('error');
    expect(errors).toHaveLength(1);
    expect(backup.doStreamCalls).toHaveLength(0);
    expect(model.pool.health.health('fake:cut')?.consecutiveFailures).toBe(1);
  });

  it('ends a stream that stops without finishing with an error, never a clean finish', async () => {
    const truncated = new MockLanguageModelV3({
      provider: 'fake',
      modelId: 'truncated',
      doStream: async () =>
        streamOf([
          { type: 'text-start', id: '1' },
          { type: 'text-delta', id: '1', delta: 'half an' },
        ]),
    });
    const model = resilientLanguageModel([truncated], { ...fast, maxRetries: 0 });
    const errors: unknown[] = [];
    const result = streamText({
      model,
      prompt: 'hi',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    for await (const _ of result.fullStream) {
      // drain
    }
    expect((errors[0] as Error).name).toBe('StreamEndedEarlyError');
  });
});

describe('resilienceMiddleware with wrapLanguageModel', () => {
  it('adds retries and fallbacks to a wrapped model, for generate and stream', async () => {
    const primary = failing('primary', () => apiError(503));
    const backup = working('backup', 'middleware backup');
    const model = wrapLanguageModel({
      model: primary,
      middleware: resilienceMiddleware({ ...fast, maxRetries: 1, fallbacks: [backup] }),
    });
    expect((await generateText({ model, prompt: 'hi', maxRetries: 0 })).text).toBe('middleware backup');
    expect(primary.doGenerateCalls).toHaveLength(2);
    const streamed = streamText({ model, prompt: 'hi', maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe('middleware backup');
    expect(primary.doStreamCalls).toHaveLength(2);
  });

  it('times out a hanging attempt and falls back', async () => {
    const hanging = new MockLanguageModelV3({
      provider: 'fake',
      modelId: 'hanging',
      doGenerate: ({ abortSignal }) =>
        new Promise((_, reject) => abortSignal?.addEventListener('abort', () => reject(abortSignal.reason))),
    });
    const backup = working('backup', 'in time');
    const model = wrapLanguageModel({
      model: hanging,
      middleware: resilienceMiddleware({ ...fast, maxRetries: 0, attemptTimeoutMs: 20, fallbacks: [backup] }),
    });
    const result = await generateText({ model, prompt: 'hi', maxRetries: 0 });
    expect(result.text).toBe('in time');
    expect(hanging.doGenerateCalls).toHaveLength(1);
  });
});
