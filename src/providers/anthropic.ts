/**
 * Anthropic Messages API (`POST {baseURL}/v1/messages`), non-streaming and streaming, mapped to the
 * internal OpenAI-shaped completion, chunk and stream-event types.
 * @packageDocumentation
 */
import { fromAnthropicResponse, mapStopReason, mapUsage, toAnthropicRequest } from './anthropic-mapping.js';
import {
  type ClassifyContext,
  classifyErrorPayload,
  malformedFailure,
  truncatedStreamFailure,
} from './classify.js';
import { parseJson } from './http-endpoint.js';
import { HttpProvider, type NamedHttpProviderOptions } from './http-provider.js';
import { isRecord } from './json.js';
import type { SseEvent } from './sse.js';
import type { StreamTranslator, TranslateResult } from './sse-stream.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Usage } from './types.js';

/** The `anthropic-version` header sent with every request. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Options for {@link AnthropicProvider}. `baseURL` is the host, e.g. `https://api.anthropic.com`. */
export interface AnthropicOptions extends NamedHttpProviderOptions {
  /** A label for errors and logs (default `anthropic`). */
  readonly name?: string;
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
export class AnthropicProvider extends HttpProvider {
  /** Always `anthropic`. */
  readonly kind = 'anthropic';

  /** @throws TypeError when `baseURL` is not an http(s) URL. */
  constructor(options: AnthropicOptions) {
    super(options, {
      defaultName: 'anthropic',
      chatPath: '/v1/messages',
      pingPath: '/v1/models',
      apiHeaders: { 'anthropic-version': ANTHROPIC_VERSION },
      authHeaders: (apiKey) => ({ 'x-api-key': apiKey }),
    });
  }

  protected requestBody(request: ChatRequest, stream: boolean): unknown {
    return toAnthropicRequest(request, stream);
  }

  protected isErrorPayload(payload: unknown): boolean {
    return isRecord(payload) && payload['type'] === 'error';
  }

  protected readCompletion(payload: unknown): ChatCompletion | string {
    return fromAnthropicResponse(payload, this.created());
  }

  protected translator(ctx: ClassifyContext): StreamTranslator {
    return new AnthropicStreamTranslator(ctx, this.created());
  }
}
