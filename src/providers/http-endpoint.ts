/**
 * The HTTP side shared by the HTTP providers: one keep-alive undici pool per base URL, JSON calls that
 * return outcomes, and common options.
 * @packageDocumentation
 */

import type { IncomingHttpHeaders } from 'node:http';
import { type Dispatcher, Pool } from 'undici';
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';
import { type Outcome, success } from '../core/outcome.js';
import { CallWatch } from './call-watch.js';
import {
  type ClassifyContext,
  classifyErrorPayload,
  classifyHttpFailure,
  classifySignalAbort,
  malformedFailure,
} from './classify.js';
import {
  type BufferedResult,
  type ExchangeRequest,
  exchangeBuffered,
  exchangeStreaming,
  type StreamingResult,
} from './http-exchange.js';
import { SseProviderStream, type StreamLimits, type StreamTranslator } from './sse-stream.js';
import type { ProviderStream } from './types.js';

/** The default {@link HttpProviderOptions.maxResponseBytes}: 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Options every HTTP provider accepts. */
export interface HttpProviderOptions {
  /** The API's base URL, e.g. `https://api.openai.com/v1` or `https://api.anthropic.com`. */
  readonly baseURL: string;
  /** The API key (sent as a header; never logged nor put into errors). */
  readonly apiKey?: string;
  /** Extra headers for every request (e.g. `OpenAI-Organization`, `HTTP-Referer`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Total time for a non-streaming call, ms (default: none besides the caller's signal). */
  readonly timeoutMs?: number;
  /** Default time-to-first-token limit for streams, ms (a call's own option wins). */
  readonly ttftTimeoutMs?: number;
  /** Default idle limit between stream chunks, ms (a call's own option wins). */
  readonly idleTimeoutMs?: number;
  /** TCP/TLS connect timeout, ms (default 10 000). */
  readonly connectTimeoutMs?: number;
  /** Maximum open connections to the base URL (default 64). */
  readonly connections?: number;
  /**
   * Largest response body accepted, bytes (default 32 MiB; a stream counts in full). A larger answer is
   * cut off and fails as `malformed`, so a runaway upstream cannot exhaust the gateway's memory.
   */
  readonly maxResponseBytes?: number;
  /** How long an idle keep-alive connection stays open, ms (default 30 000). */
  readonly keepAliveTimeoutMs?: number;
  /** A shared undici dispatcher to use instead of a pool of this provider's own (not closed by it). */
  readonly dispatcher?: Dispatcher;
  /** Time source for the call timers (default: the system clock). */
  readonly clock?: Clock;
}

/** A resolved base URL with its dispatcher. */
export class HttpEndpoint {
  /** `scheme://host:port`. */
  readonly origin: string;
  /** The base URL's path without a trailing slash (`/v1`, or `''`). */
  readonly basePath: string;
  private readonly dispatcher: Dispatcher;
  private readonly owned: boolean;

  constructor(options: HttpProviderOptions) {
    let url: URL;
    try {
      url = new URL(options.baseURL);
    } catch {
      throw new TypeError(
        `baseURL: expected an absolute http(s) URL, got ${JSON.stringify(options.baseURL)}`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`baseURL: expected an http or https URL, got ${JSON.stringify(options.baseURL)}`);
    }
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.owned = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Pool(this.origin, {
        connections: options.connections ?? 64,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
        keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs ?? 30_000, 600_000),
        connectTimeout: options.connectTimeoutMs ?? 10_000,
        maxResponseSize: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      });
  }

  /** The exchange for a call below the base path. */
  exchange(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): ExchangeRequest {
    return { origin: this.origin, path: this.basePath + path, method, headers, body };
  }

  /** Sends a request and reads the whole body (transport errors come back as values). */
  buffered(request: ExchangeRequest, watch: CallWatch): Promise<BufferedResult> {
    return exchangeBuffered(this.dispatcher, request, watch);
  }

  /** Sends a request and resolves at the response headers (transport errors come back as values). */
  streaming(request: ExchangeRequest, watch: CallWatch): Promise<StreamingResult> {
    return exchangeStreaming(this.dispatcher, request, watch);
  }

  /** Closes the pool (when it is this endpoint's own). */
  async close(): Promise<void> {
    if (this.owned) await this.dispatcher.close();
  }
}

/** A fully read response. */
export interface TextResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * Runs a request and reads the whole body, under the call's limits. HTTP error statuses are classified
 * into failures here; a 2xx comes back as text for the provider to parse.
 */
export async function requestText(
  endpoint: HttpEndpoint,
  clock: Clock,
  ctx: ClassifyContext,
  req: {
    method: 'GET' | 'POST';
    path: string;
    headers: Record<string, string>;
    body?: string;
    signal?: CancelSignal | undefined;
    timeoutMs?: number | undefined;
  },
): Promise<Outcome<TextResponse>> {
  if (req.signal?.aborted) return classifySignalAbort(req.signal, ctx);
  const watch = new CallWatch(clock, req.signal);
  watch.arm(req.timeoutMs, 'total');
  const res = await endpoint.buffered(endpoint.exchange(req.method, req.path, req.headers, req.body), watch);
  const failure = res.ok ? undefined : watch.failureFor(res.error, ctx);
  watch.dispose();
  if (!res.ok) return failure!;
  if (res.status >= 300) {
    return classifyHttpFailure(
      { status: res.status, headers: res.headers, body: res.text, wallNowMs: clock.wallNow() },
      ctx,
    );
  }
  return success(res);
}

/** Parses JSON, returning `undefined` for empty or invalid text. */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Opens an SSE stream under the call's limits. The TTFT limit (or, without one, the idle limit) runs
 * from the moment the request is sent. HTTP error statuses and non-SSE answers become failures.
 */
export async function openEventStream(
  endpoint: HttpEndpoint,
  clock: Clock,
  ctx: ClassifyContext,
  req: { path: string; headers: Record<string, string>; body: string; signal?: CancelSignal | undefined },
  limits: StreamLimits,
  translator: StreamTranslator,
): Promise<Outcome<ProviderStream>> {
  if (req.signal?.aborted) return classifySignalAbort(req.signal, ctx);
  const watch = new CallWatch(clock, req.signal);
  watch.arm(limits.ttftTimeoutMs ?? limits.idleTimeoutMs, 'ttft');
  const res = await endpoint.streaming(endpoint.exchange('POST', req.path, req.headers, req.body), watch);
  if (!res.ok) {
    const failure = watch.failureFor(res.error, ctx);
    watch.dispose();
    return failure;
  }
  const type = String(res.headers['content-type'] ?? '');
  if (res.status < 300 && type.includes('text/event-stream')) {
    return success(new SseProviderStream(res.body, watch, translator, ctx, limits));
  }
  try {
    const text = await res.body.text();
    if (res.status >= 300) {
      return classifyHttpFailure(
        { status: res.status, headers: res.headers, body: text, wallNowMs: clock.wallNow() },
        ctx,
      );
    }
    const payload = parseJson(text);
    if (payload && typeof payload === 'object' && 'error' in payload)
      return classifyErrorPayload(payload, ctx);
    return malformedFailure(ctx, `expected an event stream, got ${type || 'no content type'}`, res.status);
  } catch (err) {
    return watch.failureFor(err, ctx);
  } finally {
    watch.dispose();
  }
}
