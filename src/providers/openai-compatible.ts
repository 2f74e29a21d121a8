/**
 * OpenAI-compatible chat completions (OpenAI, Azure-style gateways, vLLM, Ollama, OpenRouter, …) over
 * a keep-alive undici pool: non-streaming, SSE streaming and a `GET /models` ping.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../core/clock.js';
import { type Outcome, success } from '../core/outcome.js';
import {
  type ClassifyContext,
  classifyErrorPayload,
  malformedFailure,
  truncatedStreamFailure,
} from './classify.js';
import {
  HttpEndpoint,
  type HttpProviderOptions,
  openEventStream,
  parseJson,
  requestText,
} from './http-endpoint.js';
import type { SseEvent } from './sse.js';
import type { StreamTranslator, TranslateResult } from './sse-stream.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  Provider,
  ProviderCallOptions,
  ProviderStream,
} from './types.js';

/** Options for {@link OpenAICompatibleProvider}. `baseURL` includes the version path (`…/v1`). */
export interface OpenAICompatibleOptions extends HttpProviderOptions {
  /** A label for errors and logs (default `openai`). */
  readonly name?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of a non-streaming answer; returns it typed, or a reason it is unusable. */
export function readChatCompletion(payload: unknown): ChatCompletion | string {
  if (!isRecord(payload)) return 'the body is empty or not a JSON object';
  const choices = payload['choices'];
  if (!Array.isArray(choices) || choices.length === 0) return 'the body has no choices';
  for (const choice of choices) {
    if (!isRecord(choice) || !isRecord(choice['message'])) return 'a choice has no message';
  }
  return payload as unknown as ChatCompletion;
}

/** Translates OpenAI `data:` events; `[DONE]` ends the stream. */
export class OpenAIStreamTranslator implements StreamTranslator {
  private finishSeen = false;

  constructor(private readonly ctx: ClassifyContext) {}

  translate(event: SseEvent): TranslateResult {
    if (event.data === '[DONE]') return { end: { type: 'done' } };
    const payload = parseJson(event.data);
    if (!isRecord(payload)) {
      return {
        end: { type: 'error', failure: malformedFailure(this.ctx, 'a stream chunk is not valid JSON') },
      };
    }
    const choices = payload['choices'];
    if (event.event === 'error' || (payload['error'] !== undefined && !Array.isArray(choices))) {
      return { end: { type: 'error', failure: classifyErrorPayload(payload, this.ctx) } };
    }
    if (!Array.isArray(choices)) return null;
    for (const choice of choices) {
      if (!isRecord(choice) || !isRecord(choice['delta'] ?? {})) {
        return {
          end: { type: 'error', failure: malformedFailure(this.ctx, 'a stream chunk has a bad choice') },
        };
      }
      if (choice['finish_reason']) this.finishSeen = true;
      if (choice['delta'] === undefined) choice['delta'] = {};
    }
    return { chunk: payload as unknown as ChatCompletionChunk };
  }

  endWithoutMarker(): ReturnType<StreamTranslator['endWithoutMarker']> {
    if (this.finishSeen) return { type: 'done' };
    return {
      type: 'error',
      failure: truncatedStreamFailure(this.ctx, 'the stream ended without [DONE] or a finish_reason'),
    };
  }
}

/** An OpenAI-compatible chat-completions provider. Never throws for upstream failures. */
export class OpenAICompatibleProvider implements Provider {
  /** Always `openai`. */
  readonly kind = 'openai';
  private readonly endpoint: HttpEndpoint;
  private readonly clock: Clock;
  private readonly headers: Record<string, string>;
  private readonly name: string;

  /** @throws TypeError when `baseURL` is not an http(s) URL. */
  constructor(private readonly options: OpenAICompatibleOptions) {
    this.endpoint = new HttpEndpoint(options);
    this.clock = options.clock ?? systemClock;
    this.name = options.name ?? 'openai';
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'hive-resilience',
      ...options.headers,
    };
    if (options.apiKey) this.headers['authorization'] = `Bearer ${options.apiKey}`;
  }

  private ctx(model?: string): ClassifyContext {
    return { provider: this.name, model, secrets: [this.options.apiKey] };
  }

  /** POST /chat/completions with `stream: false`. */
  async complete(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ChatCompletion>> {
    const ctx = this.ctx(request.model);
    const res = await requestText(this.endpoint, this.clock, ctx, {
      method: 'POST',
      path: '/chat/completions',
      headers: this.headers,
      body: JSON.stringify({ ...request, stream: false }),
      signal: options?.signal,
      timeoutMs: this.options.timeoutMs,
    });
    if (!res.ok) return res;
    const payload = parseJson(res.value.text);
    if (isRecord(payload) && payload['error'] !== undefined && payload['choices'] === undefined) {
      return classifyErrorPayload(payload, ctx);
    }
    const completion = readChatCompletion(payload);
    if (typeof completion === 'string') return malformedFailure(ctx, completion, res.value.status);
    return success(completion);
  }

  /** POST /chat/completions with `stream: true`, read as SSE. */
  stream(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ProviderStream>> {
    const ctx = this.ctx(request.model);
    return openEventStream(
      this.endpoint,
      this.clock,
      ctx,
      {
        path: '/chat/completions',
        headers: { ...this.headers, accept: 'text/event-stream' },
        body: JSON.stringify({ ...request, stream: true }),
        signal: options?.signal,
      },
      {
        ttftTimeoutMs: options?.ttftTimeoutMs ?? this.options.ttftTimeoutMs,
        idleTimeoutMs: options?.idleTimeoutMs ?? this.options.idleTimeoutMs,
      },
      new OpenAIStreamTranslator(ctx),
    );
  }

  /** GET /models. */
  async ping(options?: ProviderCallOptions): Promise<Outcome<void>> {
    const res = await requestText(this.endpoint, this.clock, this.ctx(), {
      method: 'GET',
      path: '/models',
      headers: this.headers,
      signal: options?.signal,
      timeoutMs: this.options.timeoutMs,
    });
    return res.ok ? success(undefined) : res;
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.endpoint.close();
  }
}
