/**
 * Error classification for LLM APIs: HTTP statuses, rate-limit headers, error bodies and transport
 * errors become {@link Failure} outcomes of the core's kinds. Pure functions.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import { type Failure, failure } from '../core/outcome.js';
import { ProviderError, redactSecrets } from './provider-error.js';
import { parseRetryAfter } from './retry-after.js';

/** Response headers as undici returns them (lower-case names). */
export type HeaderRecord = Readonly<Record<string, string | string[] | undefined>>;

/** Who was called: used to build the {@link ProviderError}. */
export interface ClassifyContext {
  /** Provider kind or name. */
  readonly provider: string;
  /** The provider's model name. */
  readonly model?: string;
  /** Exact secret values to scrub from upstream messages (the API key). */
  readonly secrets?: ReadonlyArray<string | undefined>;
}

/** An HTTP error response to classify. */
export interface HttpFailureInput {
  readonly status: number;
  readonly headers?: HeaderRecord;
  /** The raw response body (may be empty or not JSON). */
  readonly body?: string;
  /** Wall-clock now in ms, for `Retry-After` HTTP dates (defaults to `Date.now()`). */
  readonly wallNowMs?: number;
}

/** `reason` for a request too long for this model's context window (a larger model may fit it). */
export const CONTEXT_LENGTH_REASON = 'context_length';
/** `reason` for an overloaded upstream (Anthropic 529, `overloaded_error`). */
export const OVERLOADED_REASON = 'overloaded';

const CONTEXT_MARKERS =
  /context_length_exceeded|prompt is too long|maximum context length|context length|context window|too many input tokens|reduce the length of the messages/i;
const ACCOUNT_MARKERS = /insufficient_quota|credit balance is too low|billing|exceeded your current quota/i;
const QUOTA_MARKER = /quota|payment required/i;
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

function header(headers: HeaderRecord | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Parses a Go-style duration as used by `x-ratelimit-reset-*` (`"1s"`, `"6m0s"`, `"20ms"`, `"1h2m3.5s"`);
 * a bare number is seconds. Returns milliseconds, or `undefined` when the text is not a duration.
 */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  let total = 0;
  let consumed = 0;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(trimmed); m !== null; m = DURATION_PART.exec(trimmed)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = m.index + m[0].length;
  }
  return consumed === trimmed.length ? Math.round(total) : undefined;
}

/**
 * The server-advised wait in ms, from (in order) `retry-after-ms`, `retry-after` (seconds or HTTP
 * date), and `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (the exhausted one, else the
 * longer). `undefined` when no header says.
 */
export function parseRetryAfterMs(
  headers: HeaderRecord | undefined,
  wallNowMs = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.max(0, Math.round(Number(ms)));
  const after = parseRetryAfter(header(headers, 'retry-after'), wallNowMs);
  if (after !== undefined) return Math.round(after);
  const requests = parseDurationMs(header(headers, 'x-ratelimit-reset-requests'));
  const tokens = parseDurationMs(header(headers, 'x-ratelimit-reset-tokens'));
  if (header(headers, 'x-ratelimit-remaining-requests') === '0' && requests !== undefined) return requests;
  if (header(headers, 'x-ratelimit-remaining-tokens') === '0' && tokens !== undefined) return tokens;
  if (requests !== undefined || tokens !== undefined) return Math.max(requests ?? 0, tokens ?? 0);
  return undefined;
}

/** The upstream's error message and code from an OpenAI- or Anthropic-shaped error body. */
export interface UpstreamErrorDetail {
  readonly message?: string;
  readonly code?: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads `{error:{message,code,type}}`, `{type:'error',error:{type,message}}`, `{error:'...'}`, `{message}`. */
export function readUpstreamError(payload: unknown): UpstreamErrorDetail {
  if (typeof payload !== 'object' || payload === null) return {};
  const record = payload as Record<string, unknown>;
  const inner = record['error'];
  if (typeof inner === 'string') return { message: inner };
  if (typeof inner === 'object' && inner !== null) {
    const e = inner as Record<string, unknown>;
    const code = str(e['code']) ?? (typeof e['code'] === 'number' ? String(e['code']) : undefined);
    return { message: str(e['message']), code: code ?? str(e['type']) };
  }
  return { message: str(record['message']) ?? str(record['detail']), code: str(record['code']) };
}

function parseBody(body: string | undefined): UpstreamErrorDetail {
  if (!body) return {};
  try {
    return readUpstreamError(JSON.parse(body));
  } catch {
    return { message: body.slice(0, 200) };
  }
}

function build(
  kind: Failure['kind'],
  ctx: ClassifyContext,
  init: { status?: number; code?: string; message?: string; detail?: string },
  retryAfterMs?: number,
  reason?: string,
): Failure {
  const error = new ProviderError({
    kind,
    provider: ctx.provider,
    model: ctx.model,
    status: init.status,
    code: init.code,
    upstreamMessage: init.message === undefined ? undefined : redactSecrets(init.message, ctx.secrets),
    detail: init.detail,
  });
  return failure(kind, error, retryAfterMs, reason);
}

/** Classifies an HTTP error response (status ≥ 400, or any status the caller found unusable). */
export function classifyHttpFailure(input: HttpFailureInput, ctx: ClassifyContext): Failure {
  const { status } = input;
  const detail = parseBody(input.body);
  const init = { status, code: detail.code, message: detail.message };
  const text = `${detail.code ?? ''} ${detail.message ?? ''} ${input.body ?? ''}`;
  const retryAfterMs = parseRetryAfterMs(input.headers, input.wallNowMs);
  if (status >= 400 && status < 500 && ACCOUNT_MARKERS.test(text)) return build('account', ctx, init);
  if (status === 401 || status === 402 || status === 403) return build('account', ctx, init);
  if (status === 429) return build('throttled', ctx, init, retryAfterMs);
  if (status === 408 || status === 504 || status === 524) return build('timeout', ctx, init, retryAfterMs);
  if (status === 529) return build('transient', ctx, init, retryAfterMs, OVERLOADED_REASON);
  if (status >= 500 || status === 409 || status === 425) return build('transient', ctx, init, retryAfterMs);
  if ((status === 400 || status === 413) && CONTEXT_MARKERS.test(text)) {
    return build('request', ctx, init, undefined, CONTEXT_LENGTH_REASON);
  }
  if (status >= 400 && QUOTA_MARKER.test(text) && status !== 404 && status !== 422) {
    return build('account', ctx, init);
  }
  if (status >= 400) return build('request', ctx, init);
  return build('malformed', ctx, { ...init, detail: `unexpected HTTP status ${status}` });
}

/**
 * Classifies an error object received inside a 200 response or stream (OpenAI `data: {"error":…}`,
 * Anthropic `event: error`), where no HTTP status applies.
 */
export function classifyErrorPayload(payload: unknown, ctx: ClassifyContext): Failure {
  const detail = readUpstreamError(payload);
  const init = { code: detail.code, message: detail.message };
  const text = `${detail.code ?? ''} ${detail.message ?? ''}`;
  const code = detail.code ?? '';
  if (ACCOUNT_MARKERS.test(text) || /authentication|permission|invalid_api_key/.test(code)) {
    return build('account', ctx, init);
  }
  if (/overloaded/.test(code)) return build('transient', ctx, init, undefined, OVERLOADED_REASON);
  if (/rate_limit/.test(code)) return build('throttled', ctx, init);
  if (/timeout/.test(code)) return build('timeout', ctx, init);
  if (CONTEXT_MARKERS.test(text)) return build('request', ctx, init, undefined, CONTEXT_LENGTH_REASON);
  if (/invalid_request|not_found/.test(code)) return build('request', ctx, init);
  return build('transient', ctx, init);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);
const ABORT_CODES = new Set(['UND_ERR_ABORTED', 'ABORT_ERR']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorName(err: unknown): string | undefined {
  return err && typeof err === 'object' ? str((err as { name?: unknown }).name) : undefined;
}

/**
 * Classifies a transport error (undici/Node error codes): refused/reset/closed sockets = transient,
 * connect/headers/body timeouts = timeout, aborts = aborted (or timeout when the abort reason is a
 * `TimeoutError`), an answer over the response size limit = malformed. Anything else is transient.
 */
export function classifyTransportError(err: unknown, ctx: ClassifyContext): Failure {
  const code = errorCode(err);
  const name = errorName(err);
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  const init = {
    code: code ?? name,
    detail: raw === undefined ? undefined : redactSecrets(raw, ctx.secrets),
  };
  if ((code && TIMEOUT_CODES.has(code)) || name === 'TimeoutError') return build('timeout', ctx, init);
  // An answer larger than the response limit is the upstream misbehaving, not a network hiccup.
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return build('malformed', ctx, { ...init, detail: 'the response exceeded the size limit' });
  }
  if ((code && ABORT_CODES.has(code)) || name === 'AbortError') return build('aborted', ctx, init);
  return build('transient', ctx, init);
}

/** A caller-abort failure (neutral for breakers and health). */
export function abortedFailure(ctx: ClassifyContext, detail = 'the caller aborted the call'): Failure {
  return build('aborted', ctx, { code: 'aborted', detail });
}

/** A timeout failure raised by the provider's own timers (total, TTFT, idle). */
export function timeoutFailure(ctx: ClassifyContext, code: string, detail: string): Failure {
  return build('timeout', ctx, { code, detail });
}

/** A 200 response (or stream chunk) whose body is empty, not JSON, or not the expected shape. */
export function malformedFailure(ctx: ClassifyContext, detail: string, status?: number): Failure {
  return build('malformed', ctx, { status, code: 'malformed_response', detail });
}

/** A stream that ended or broke before its terminal marker (`[DONE]`, `message_stop`). */
export function truncatedStreamFailure(
  ctx: ClassifyContext,
  detail: string,
  code = 'stream_truncated',
): Failure {
  return build('transient', ctx, { code, detail });
}

/**
 * Classifies an abort raised by a signal: a `TimeoutError` reason (e.g. `AbortSignal.timeout`) is a
 * timeout, anything else the caller's abort.
 */
export function classifySignalAbort(signal: CancelSignal, ctx: ClassifyContext): Failure {
  const reason: unknown = signal.reason;
  if (errorName(reason) === 'TimeoutError')
    return build('timeout', ctx, { code: 'deadline', detail: 'deadline exceeded' });
  return abortedFailure(ctx);
}
