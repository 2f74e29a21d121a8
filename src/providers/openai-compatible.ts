/**
 * OpenAI-compatible chat completions (OpenAI, Azure-style gateways, vLLM, Ollama, OpenRouter, …) over
 * a keep-alive undici pool: non-streaming, SSE streaming and a `GET /models` ping.
 * @packageDocumentation
 */
import {
  type ClassifyContext,
  classifyErrorPayload,
  malformedFailure,
  truncatedStreamFailure,
} from './classify.js';
import { parseJson } from './http-endpoint.js';
import { HttpProvider, type NamedHttpProviderOptions } from './http-provider.js';
import { isRecord } from './json.js';
import { isPlainDelta, PlainDeltaScanner } from './plain-chunk.js';
import type { SseEvent } from './sse.js';
import type { PlainVerdict, StreamTranslator, TranslateResult } from './sse-stream.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from './types.js';

/** Options for {@link OpenAICompatibleProvider}. `baseURL` includes the version path (`…/v1`). */
export interface OpenAICompatibleOptions extends NamedHttpProviderOptions {
  /** A label for errors and logs (default `openai`). */
  readonly name?: string;
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

/**
 * Translates OpenAI `data:` events; `[DONE]` ends the stream. Plain content deltas are passed on as the
 * upstream sent them, without being parsed (`plain-chunk.ts`); every other event is parsed and checked.
 */
export class OpenAIStreamTranslator implements StreamTranslator {
  private finishSeen = false;
  private readonly scanner = new PlainDeltaScanner();

  constructor(private readonly ctx: ClassifyContext) {}

  translate(event: SseEvent, notPlain?: boolean): TranslateResult {
    if (event.data === '[DONE]') return { end: { type: 'done' } };
    if (notPlain !== true && event.event === 'message' && isPlainDelta(event.data))
      return { plain: event.data };
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
    let changed = false;
    for (const choice of choices) {
      if (!isRecord(choice) || !isRecord(choice['delta'] ?? {})) {
        return {
          end: { type: 'error', failure: malformedFailure(this.ctx, 'a stream chunk has a bad choice') },
        };
      }
      if (choice['finish_reason']) this.finishSeen = true;
      if (choice['delta'] === undefined) {
        choice['delta'] = {};
        changed = true;
      }
    }
    const chunk = payload as unknown as ChatCompletionChunk;
    // An unchanged chunk on one line keeps the upstream's text, which the gateway forwards as it came
    // (a multi-line `data` field would break the SSE framing when written on one `data:` line).
    return !changed && !event.data.includes('\n') ? { chunk, text: event.data } : { chunk };
  }

  /**
   * A plain content delta or finish chunk, forwarded as it came; whether it carries content when the
   * scanner can tell (a finish reason counts as content, as in `isContentChunk`).
   */
  plainAt(text: string, start: number, end: number): PlainVerdict {
    const kind = this.scanner.scanAt(text, start, end);
    if (kind === undefined) return undefined;
    if (kind === 'finish') {
      this.finishSeen = true;
      return 'content';
    }
    const content = this.scanner.lastContent;
    return content === undefined ? 'unknown' : content ? 'content' : 'empty';
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
export class OpenAICompatibleProvider extends HttpProvider {
  /** Always `openai`. */
  readonly kind = 'openai';

  /** @throws TypeError when `baseURL` is not an http(s) URL. */
  constructor(options: OpenAICompatibleOptions) {
    super(options, {
      defaultName: 'openai',
      chatPath: '/chat/completions',
      embeddingsPath: '/embeddings',
      pingPath: '/models',
      authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
    });
  }

  protected requestBody(request: ChatRequest, stream: boolean): unknown {
    // A body that already says what the call does is sent as it is, without a copy (absent = false).
    if (request.stream === stream || (!stream && request.stream === undefined)) return request;
    return { ...request, stream };
  }

  protected isErrorPayload(payload: unknown): boolean {
    return isRecord(payload) && payload['error'] !== undefined && payload['choices'] === undefined;
  }

  protected readCompletion(payload: unknown): ChatCompletion | string {
    return readChatCompletion(payload);
  }

  protected translator(ctx: ClassifyContext): StreamTranslator {
    return new OpenAIStreamTranslator(ctx);
  }
}
