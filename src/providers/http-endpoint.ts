/**
 * The HTTP side shared by the HTTP providers: one keep-alive undici pool per base URL, JSON calls that
 * return outcomes, and common options.
 * @packageDocumentation
 */
import { type Dispatcher, Pool } from 'undici';
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
import { SseProviderStream, type StreamLimits, type StreamTranslator } from './sse-stream.js';
import type { ProviderStream } from './types.js';

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
      });
  }

  /** Sends a request; rejects only with transport errors (callers classify them). */
  request(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Dispatcher.ResponseData> {
    return this.dispatcher.request({
      origin: this.origin,
      path: this.basePath + path,
      method,
      headers,
      body,
      signal,
    });
  }

  /** Closes the pool (when it is this endpoint's own). */
  async close(): Promise<void> {
    if (this.owned) await this.dispatcher.close();
  }
}

/** A fully read response. */
export interface TextResponse {
  readonly status: number;
  readonly headers: Dispatcher.ResponseData['headers'];
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
    signal?: AbortSignal;
    timeoutMs?: number;
  },
): Promise<Outcome<TextResponse>> {
  if (req.signal?.aborted) return classifySignalAbort(req.signal, ctx);
  const watch = new CallWatch(clock, req.signal, req.timeoutMs !== undefined && req.timeoutMs > 0);
  watch.arm(req.timeoutMs, 'total');
  try {
    const res = await endpoint.request(req.method, req.path, req.headers, req.body, watch.signal);
    const text = await res.body.text();
    if (res.statusCode >= 300) {
      return classifyHttpFailure(
        { status: res.statusCode, headers: res.headers, body: text, wallNowMs: clock.wallNow() },
        ctx,
      );
    }
    return success({ status: res.statusCode, headers: res.headers, text });
  } catch (err) {
    return watch.failureFor(err, ctx);
  } finally {
    watch.dispose();
  }
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
  req: { path: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
  limits: StreamLimits,
  translator: StreamTranslator,
): Promise<Outcome<ProviderStream>> {
  if (req.signal?.aborted) return classifySignalAbort(req.signal, ctx);
  const first = limits.ttftTimeoutMs ?? limits.idleTimeoutMs;
  const watch = new CallWatch(clock, req.signal, first !== undefined || limits.idleTimeoutMs !== undefined);
  watch.arm(first, 'ttft');
  let res: Dispatcher.ResponseData;
  try {
    res = await endpoint.request('POST', req.path, req.headers, req.body, watch.signal);
  } catch (err) {
    watch.dispose();
    return watch.failureFor(err, ctx);
  }
  const type = String(res.headers['content-type'] ?? '');
  if (res.statusCode < 300 && type.includes('text/event-stream')) {
    return success(new SseProviderStream(res.body, watch, translator, ctx, limits));
  }
  try {
    const text = await res.body.text();
    if (res.statusCode >= 300) {
      return classifyHttpFailure(
        { status: res.statusCode, headers: res.headers, body: text, wallNowMs: clock.wallNow() },
        ctx,
      );
    }
    const payload = parseJson(text);
    if (payload && typeof payload === 'object' && 'error' in payload)
      return classifyErrorPayload(payload, ctx);
    return malformedFailure(
      ctx,
      `expected an event stream, got ${type || 'no content type'}`,
      res.statusCode,
    );
  } catch (err) {
    return watch.failureFor(err, ctx);
  } finally {
    watch.dispose();
  }
}
