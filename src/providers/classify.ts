/**
 * Error classification for LLM APIs: HTTP statuses, rate-limit headers, error bodies and transport
 * errors become {@link Failure} outcomes of the core's kinds. Pure functions.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import {
  ABORT_CODES,
  CONTEXT_LENGTH_REASON,
  kindForErrorCode,
  kindForHttpStatus,
  OVERLOADED_REASON,
  OVERSIZED_RESPONSE_CODE,
  parseDurationMs,
  parseRetryAfterMs,
  TIMEOUT_CODES,
} from '../core/llm-failure-rules.js';
import { type Failure, failure } from '../core/outcome.js';
import { ProviderError, redactSecrets } from './provider-error.js';

export { CONTEXT_LENGTH_REASON, OVERLOADED_REASON, parseDurationMs, parseRetryAfterMs };

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
  const verdict = kindForHttpStatus(status, text);
  if (verdict.kind === 'malformed') {
    return build('malformed', ctx, { ...init, detail: `unexpected HTTP status ${status}` });
  }
  const retryable =
    verdict.kind === 'throttled' || verdict.kind === 'transient' || verdict.kind === 'timeout';
  const retryAfterMs = retryable ? parseRetryAfterMs(input.headers, input.wallNowMs) : undefined;
  return build(verdict.kind, ctx, init, retryAfterMs, verdict.reason);
}

/**
 * Classifies an error object received inside a 200 response or stream (OpenAI `data: {"error":…}`,
 * Anthropic `event: error`), where no HTTP status applies.
 */
export function classifyErrorPayload(payload: unknown, ctx: ClassifyContext): Failure {
  const detail = readUpstreamError(payload);
  const init = { code: detail.code, message: detail.message };
  const text = `${detail.code ?? ''} ${detail.message ?? ''}`;
  const verdict = kindForErrorCode(detail.code ?? '', text);
  return verdict === undefined
    ? build('transient', ctx, init)
    : build(verdict.kind, ctx, init, undefined, verdict.reason);
}

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
  if (code === OVERSIZED_RESPONSE_CODE) {
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
