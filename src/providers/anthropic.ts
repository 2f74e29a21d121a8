/**
 * Anthropic Messages API (`POST {baseURL}/v1/messages`), non-streaming and streaming, mapped to the
 * internal OpenAI-shaped completion, chunk and stream-event types.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../core/clock.js';
import { type Outcome, success } from '../core/outcome.js';
import { fromAnthropicResponse, mapStopReason, mapUsage, toAnthropicRequest } from './anthropic-mapping.js';
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
  Usage,
} from './types.js';

/** The `anthropic-version` header sent with every request. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Options for {@link AnthropicProvider}. `baseURL` is the host, e.g. `https://api.anthropic.com`. */
export interface AnthropicOptions extends HttpProviderOptions {
  /** A label for errors and logs (default `anthropic`). */
  readonly name?: string;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Translates Anthropic stream events into OpenAI-shaped chunks; `message_stop` ends the stream. */
export class AnthropicStreamTranslator implements StreamTranslator {
  private id = 'msg_unknown';
  private model: string;
  private usage: Usage | undefined;
  private stopSeen = false;
  private toolIndex = -1;
  private readonly toolBlocks = new Map<number, number>();

  constructor(
    private readonly ctx: ClassifyContext,
    private readonly created: number,
  ) {
    this.model = ctx.model ?? '';
  }

  translate(event: SseEvent): TranslateResult {
    const payload = parseJson(event.data);
    if (!isRecord(payload)) {
      return {
        end: { type: 'error', failure: malformedFailure(this.ctx, 'a stream event is not valid JSON') },
      };
    }
    const type = typeof payload['type'] === 'string' ? payload['type'] : event.event;
    switch (type) {
      case 'message_start': {
        const message = isRecord(payload['message']) ? payload['message'] : {};
        if (typeof message['id'] === 'string') this.id = message['id'];
        if (typeof message['model'] === 'string') this.model = message['model'];
        this.usage = mapUsage(message['usage']);
        return { chunk: this.chunk({ role: 'assistant', content: '' }, null) };
      }
      case 'content_block_start': {
        const block = isRecord(payload['content_block']) ? payload['content_block'] : {};
        if (block['type'] !== 'tool_use') return null;
        const index = ++this.toolIndex;
        this.toolBlocks.set(Number(payload['index']), index);
        const call = {
          index,
          id: block['id'],
          type: 'function',
          function: { name: block['name'], arguments: '' },
        };
        return { chunk: this.chunk({ tool_calls: [call] }, null) };
      }
      case 'content_block_delta': {
        const delta = isRecord(payload['delta']) ? payload['delta'] : {};
        if (delta['type'] === 'text_delta' && typeof delta['text'] === 'string') {
          return { chunk: this.chunk({ content: delta['text'] }, null) };
        }
        if (delta['type'] === 'input_json_delta' && typeof delta['partial_json'] === 'string') {
          const index = this.toolBlocks.get(Number(payload['index'])) ?? this.toolIndex;
          return {
            chunk: this.chunk(
              { tool_calls: [{ index, function: { arguments: delta['partial_json'] } }] },
              null,
            ),
          };
        }
        return null;
      }
      case 'message_delta': {
        const delta = isRecord(payload['delta']) ? payload['delta'] : {};
        this.usage = mapUsage(payload['usage'], this.usage);
        const finish = mapStopReason(delta['stop_reason']);
        if (finish === null) return null;
        this.stopSeen = true;
        const chunk = this.chunk({}, finish);
        if (this.usage) chunk.usage = this.usage;
        return { chunk };
      }
      case 'message_stop':
        return { end: { type: 'done' } };
      case 'error':
        return { end: { type: 'error', failure: classifyErrorPayload(payload, this.ctx) } };
      default:
        return null;
    }
  }

  endWithoutMarker(): ReturnType<StreamTranslator['endWithoutMarker']> {
    if (this.stopSeen) return { type: 'done' };
    return {
      type: 'error',
      failure: truncatedStreamFailure(this.ctx, 'the stream ended without message_stop'),
    };
  }

  private chunk(
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: string | null,
  ): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
  }
}

/** An Anthropic Messages API provider. Never throws for upstream failures. */
export class AnthropicProvider implements Provider {
  /** Always `anthropic`. */
  readonly kind = 'anthropic';
  private readonly endpoint: HttpEndpoint;
  private readonly clock: Clock;
  private readonly headers: Record<string, string>;
  private readonly name: string;

  /** @throws TypeError when `baseURL` is not an http(s) URL. */
  constructor(private readonly options: AnthropicOptions) {
    this.endpoint = new HttpEndpoint(options);
    this.clock = options.clock ?? systemClock;
    this.name = options.name ?? 'anthropic';
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      'user-agent': 'hive-resilience',
      ...options.headers,
    };
    if (options.apiKey) this.headers['x-api-key'] = options.apiKey;
  }

  private ctx(model?: string): ClassifyContext {
    return { provider: this.name, model, secrets: [this.options.apiKey] };
  }

  private created(): number {
    return Math.floor(this.clock.wallNow() / 1000);
  }

  /** POST /v1/messages. */
  async complete(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ChatCompletion>> {
    const ctx = this.ctx(request.model);
    const res = await requestText(this.endpoint, this.clock, ctx, {
      method: 'POST',
      path: '/v1/messages',
      headers: this.headers,
      body: JSON.stringify(toAnthropicRequest(request, false)),
      signal: options?.signal,
      timeoutMs: this.options.timeoutMs,
    });
    if (!res.ok) return res;
    const payload = parseJson(res.value.text);
    if (isRecord(payload) && payload['type'] === 'error') return classifyErrorPayload(payload, ctx);
    const completion = fromAnthropicResponse(payload, this.created());
    if (typeof completion === 'string') return malformedFailure(ctx, completion, res.value.status);
    return success(completion);
  }

  /** POST /v1/messages with `stream: true`, read as SSE. */
  stream(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ProviderStream>> {
    const ctx = this.ctx(request.model);
    return openEventStream(
      this.endpoint,
      this.clock,
      ctx,
      {
        path: '/v1/messages',
        headers: { ...this.headers, accept: 'text/event-stream' },
        body: JSON.stringify(toAnthropicRequest(request, true)),
        signal: options?.signal,
      },
      {
        ttftTimeoutMs: options?.ttftTimeoutMs ?? this.options.ttftTimeoutMs,
        idleTimeoutMs: options?.idleTimeoutMs ?? this.options.idleTimeoutMs,
      },
      new AnthropicStreamTranslator(ctx, this.created()),
    );
  }

  /** GET /v1/models. */
  async ping(options?: ProviderCallOptions): Promise<Outcome<void>> {
    const res = await requestText(this.endpoint, this.clock, this.ctx(), {
      method: 'GET',
      path: '/v1/models',
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
