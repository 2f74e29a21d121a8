/**
 * The provider half shared by the HTTP providers: request headers, call contexts and the complete /
 * stream / ping / close calls over an {@link HttpEndpoint}. A subclass supplies only what its API does
 * differently: paths, headers, request body, how an answer is read and the stream translator.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../core/clock.js';
import { failure, type Outcome, success } from '../core/outcome.js';
import { type ClassifyContext, classifyErrorPayload, malformedFailure } from './classify.js';
import { keepSourceText } from './completion-text.js';
import {
  type EmbeddingCallOptions,
  type EmbeddingRequest,
  type EmbeddingResponse,
  readEmbeddingResponse,
} from './embeddings.js';
import {
  HttpEndpoint,
  type HttpProviderOptions,
  openEventStream,
  parseJson,
  requestText,
} from './http-endpoint.js';
import { ProviderError } from './provider-error.js';
import type { StreamTranslator } from './sse-stream.js';
import type { ChatCompletion, ChatRequest, Provider, ProviderCallOptions, ProviderStream } from './types.js';

/** Options of an HTTP provider: the HTTP options plus a label. */
export interface NamedHttpProviderOptions extends HttpProviderOptions {
  /** A label for errors and logs (each provider has its own default). */
  readonly name?: string;
}

/** The fixed parts of an HTTP API, given once at construction. */
export interface HttpApiShape {
  /** The label used when the options give none. */
  readonly defaultName: string;
  /** The chat call's path below the base URL (`POST`, for `complete` and `stream`). */
  readonly chatPath: string;
  /** The liveness call's path below the base URL (`GET`). */
  readonly pingPath: string;
  /** The embeddings call's path below the base URL (`POST`), when the API has one. */
  readonly embeddingsPath?: string;
  /** API headers sent with every request (placed before `user-agent` and the caller's headers). */
  readonly apiHeaders?: Readonly<Record<string, string>>;
  /** The header(s) carrying an API key. */
  readonly authHeaders: (apiKey: string) => Record<string, string>;
}

/** A chat provider over HTTP. Never throws for upstream failures. */
export abstract class HttpProvider implements Provider {
  /** The provider kind (`openai`, `anthropic`). */
  abstract readonly kind: string;
  /** HTTP providers time their calls themselves and take a `CancelSignal` (see {@link Provider.leanCalls}). */
  readonly leanCalls = true;
  private readonly endpoint: HttpEndpoint;
  private readonly clock: Clock;
  private readonly headers: Record<string, string>;
  private readonly streamHeaders: Record<string, string>;
  /** What classification must redact (built once, not per call). */
  private readonly secrets: readonly (string | undefined)[];
  private readonly name: string;

  /** @throws TypeError when `baseURL` is not an http(s) URL. */
  constructor(
    private readonly options: NamedHttpProviderOptions,
    private readonly api: HttpApiShape,
  ) {
    this.endpoint = new HttpEndpoint(options);
    this.clock = options.clock ?? systemClock;
    this.name = options.name ?? api.defaultName;
    this.headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      ...api.apiHeaders,
      'user-agent': 'hive-resilience',
      ...options.headers,
    };
    if (options.apiKey) Object.assign(this.headers, api.authHeaders(options.apiKey));
    this.streamHeaders = { ...this.headers, accept: 'text/event-stream' };
    this.secrets = [options.apiKey];
  }

  /** The JSON body of a chat call. */
  protected abstract requestBody(request: ChatRequest, stream: boolean): unknown;

  /** Whether a 2xx answer is in fact an error payload. */
  protected abstract isErrorPayload(payload: unknown): boolean;

  /** Reads a non-streaming answer; returns it, or a reason it is unusable. */
  protected abstract readCompletion(payload: unknown): ChatCompletion | string;

  /** A fresh translator for one stream. */
  protected abstract translator(ctx: ClassifyContext): StreamTranslator;

  /** The wall clock in whole seconds (a completion's `created`). */
  protected created(): number {
    return Math.floor(this.clock.wallNow() / 1000);
  }

  private ctx(model?: string): ClassifyContext {
    return { provider: this.name, model, secrets: this.secrets };
  }

  /** POSTs the chat call and reads the whole answer. */
  async complete(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ChatCompletion>> {
    const ctx = this.ctx(request.model);
    const res = await requestText(this.endpoint, this.clock, ctx, {
      method: 'POST',
      path: this.api.chatPath,
      headers: this.headers,
      body: JSON.stringify(this.requestBody(request, false)),
      signal: options?.cancel ?? options?.signal,
      timeoutMs: options?.timeoutMs ?? this.options.timeoutMs,
    });
    if (!res.ok) return res;
    const payload = parseJson(res.value.text);
    if (this.isErrorPayload(payload)) return classifyErrorPayload(payload, ctx);
    const completion = this.readCompletion(payload);
    if (typeof completion === 'string') return malformedFailure(ctx, completion, res.value.status);
    return success(completion === payload ? keepSourceText(completion, res.value.text) : completion);
  }

  /** POSTs the chat call with streaming on, read as SSE. */
  stream(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ProviderStream>> {
    const ctx = this.ctx(request.model);
    return openEventStream(
      this.endpoint,
      this.clock,
      ctx,
      {
        path: this.api.chatPath,
        headers: this.streamHeaders,
        body: JSON.stringify(this.requestBody(request, true)),
        signal: options?.cancel ?? options?.signal,
      },
      {
        ttftTimeoutMs: options?.ttftTimeoutMs ?? this.options.ttftTimeoutMs,
        idleTimeoutMs: options?.idleTimeoutMs ?? this.options.idleTimeoutMs,
      },
      this.translator(ctx),
    );
  }

  /** POSTs an embeddings call (an API without one answers with a `request` failure). */
  async embed(
    request: EmbeddingRequest,
    options?: ProviderCallOptions & EmbeddingCallOptions,
  ): Promise<Outcome<EmbeddingResponse>> {
    const ctx = this.ctx(request.model);
    if (this.api.embeddingsPath === undefined) {
      return failure(
        'request',
        new ProviderError({
          kind: 'request',
          provider: this.name,
          model: request.model,
          detail: 'this provider does not serve embeddings',
        }),
      );
    }
    const res = await requestText(this.endpoint, this.clock, ctx, {
      method: 'POST',
      path: this.api.embeddingsPath,
      headers: this.headers,
      body: JSON.stringify(request),
      signal: options?.cancel ?? options?.signal,
      timeoutMs: options?.timeoutMs ?? this.options.timeoutMs,
    });
    if (!res.ok) return res;
    const payload = parseJson(res.value.text);
    if (this.isErrorPayload(payload)) return classifyErrorPayload(payload, ctx);
    const answer = readEmbeddingResponse(payload, options?.dimensions);
    return typeof answer === 'string' ? malformedFailure(ctx, answer, res.value.status) : success(answer);
  }

  /** GETs the ping path (the model list). */
  async ping(options?: ProviderCallOptions): Promise<Outcome<void>> {
    const res = await requestText(this.endpoint, this.clock, this.ctx(), {
      method: 'GET',
      path: this.api.pingPath,
      headers: this.headers,
      signal: options?.cancel ?? options?.signal,
      timeoutMs: options?.timeoutMs ?? this.options.timeoutMs,
    });
    return res.ok ? success(undefined) : res;
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.endpoint.close();
  }
}
