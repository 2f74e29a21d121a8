/**
 * The provider contract: one internal request/response/stream shape (OpenAI's chat-completions shape),
 * whatever the upstream API. Providers never throw for upstream errors: they return classified outcomes.
 * @packageDocumentation
 */

import type { CancelSignal } from '../core/cancel-signal.js';
import type { Failure, Outcome } from '../core/outcome.js';
import type { EmbeddingCallOptions, EmbeddingRequest, EmbeddingResponse } from './embeddings.js';

/** A chat message (OpenAI shape; `content` may be a string or an array of parts). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | 'developer';
  content: string | null | ReadonlyArray<Record<string, unknown>>;
  name?: string;
  tool_calls?: ReadonlyArray<Record<string, unknown>>;
  tool_call_id?: string;
}

/** A chat-completions request as the gateway and engine see it. `model` is the provider's own name. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  tools?: ReadonlyArray<Record<string, unknown>>;
  tool_choice?: unknown;
  response_format?: Record<string, unknown>;
  user?: string;
  /** Anything else the client sent is passed through to OpenAI-compatible upstreams. */
  [extra: string]: unknown;
}

/** Token usage. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A non-streaming chat completion (OpenAI shape). */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      tool_calls?: ReadonlyArray<Record<string, unknown>>;
    };
    finish_reason: string | null;
  }>;
  usage?: Usage;
}

/** One streamed chunk (OpenAI `chat.completion.chunk` shape). */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      tool_calls?: ReadonlyArray<Record<string, unknown>>;
    };
    finish_reason: string | null;
  }>;
  usage?: Usage | null;
}

/**
 * What a provider stream yields. A stream ends with exactly one `done` or one `error` event; a stream
 * that stops without either is a bug. `error` after content means the answer is incomplete.
 */
export type StreamEvent =
  | {
      readonly type: 'chunk';
      readonly chunk: ChatCompletionChunk;
      /**
       * The upstream's own JSON text of `chunk` (one line), when the provider parsed it and left it
       * unchanged: the gateway forwards it as it came instead of serialising `chunk` again.
       */
      readonly text?: string;
      /**
       * True for a chunk forwarded as the upstream sent it without being parsed: a plain content delta
       * (one choice, `finish_reason` null, no `usage`, no `error`) or a plain finish chunk (an empty delta
       * and a `finish_reason`, no `usage`, no `error`). Its `chunk` is then a getter that
       * parses `text` on first read: copy such an event as `{ type, chunk: e.chunk, text: e.text }`, not
       * with a spread.
       */
      readonly plain?: boolean;
      /**
       * On a chunk that came as a whole SSE frame in one network read and is forwarded unchanged: those
       * bytes (the read), and where its frame `data: {…}\n\n` starts and ends in them. The gateway writes
       * these bytes as they came (no re-encoding); on a plain chunk `text` decodes them on first read.
       */
      readonly frameBytes?: Uint8Array | undefined;
      /** Where the frame starts in {@link frameBytes}. */
      readonly frameStart?: number;
      /** Where the frame ends in {@link frameBytes} (exclusive, after its `\n\n`). */
      readonly frameEnd?: number;
    }
  | {
      readonly type: 'done';
      /**
       * When the end marker came as a whole SSE frame of a network read (`data: [DONE]\n\n`): that read,
       * and where the frame starts and ends in it, for the gateway to forward with the chunks before it.
       */
      readonly frameBytes?: Uint8Array | undefined;
      /** Where the marker's frame starts in {@link frameBytes}. */
      readonly frameStart?: number;
      /** Where the marker's frame ends in {@link frameBytes} (exclusive). */
      readonly frameEnd?: number;
    }
  | { readonly type: 'error'; readonly failure: Failure };

/** Per-call options for a provider. */
export interface ProviderCallOptions {
  /** Aborts the upstream call (deadline, caller abort, lost hedge). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Cancellation without an `AbortSignal` (e.g. a `CancelSource`). Only providers whose
   * {@link Provider.leanCalls} is true read it; the engine gives the others a `signal`.
   */
  readonly cancel?: CancelSignal | undefined;
  /**
   * Total time allowed for a non-streaming call or a ping (ms), overriding the provider's default. Only
   * providers whose {@link Provider.leanCalls} is true read it; the engine bounds the others with a
   * timeout policy and their signal.
   */
  readonly timeoutMs?: number | undefined;
  /** Time allowed until the first streamed content chunk (ms). */
  readonly ttftTimeoutMs?: number;
  /** Time allowed between two streamed chunks (ms). */
  readonly idleTimeoutMs?: number;
}

/** An opened stream: events arrive as the upstream sends them. */
export interface ProviderStream extends AsyncIterable<StreamEvent> {
  /** Stops reading and releases the connection. Safe to call more than once. */
  close(): void;
}

/** A model provider (OpenAI-compatible, Anthropic, simulated). */
export interface Provider {
  /**
   * Embeddings (`POST /embeddings`), for providers that serve them. `options.dimensions` is the vector
   * length the model is configured for: an answer of another length is `malformed`.
   */
  embed?(
    request: EmbeddingRequest,
    options?: ProviderCallOptions & EmbeddingCallOptions,
  ): Promise<Outcome<EmbeddingResponse>>;
  /** `openai` | `anthropic` | `simulated`. */
  readonly kind: string;
  /**
   * True when the provider takes lean call options: it enforces {@link ProviderCallOptions.timeoutMs}
   * itself and honours {@link ProviderCallOptions.cancel} (the HTTP providers do, with one timer and no
   * `AbortController`). The engine then passes the attempt's timeout as a number and the request's
   * cancellation as it is, instead of a timeout policy and a linked `AbortSignal`.
   */
  readonly leanCalls?: boolean;
  /** A non-streaming completion. Never throws: failures come back classified. */
  complete(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ChatCompletion>>;
  /**
   * Opens a stream. A failure before the stream opens (HTTP error status, refused connection) comes back
   * as a failure outcome; failures after it opens arrive as an `error` event.
   */
  stream(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ProviderStream>>;
  /** A cheap liveness call (e.g. listing models). Never throws. */
  ping(options?: ProviderCallOptions): Promise<Outcome<void>>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
