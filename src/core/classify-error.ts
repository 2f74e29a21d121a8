/**
 * {@link classifyError}: turns the errors real clients throw into the LLM failure taxonomy, by
 * duck-typing on their fields (`status`/`statusCode`, `code`, `type`, `name`, `headers`, `cause`).
 * No SDK is imported: the OpenAI and Anthropic SDKs' `APIError` family, the Vercel AI SDK's
 * `APICallError`/`RetryError`, fetch/undici errors (`TypeError('fetch failed')` with a coded cause,
 * `TimeoutError`/`AbortError` DOMExceptions) and any `{ status }`-carrying error are recognised by shape.
 * @packageDocumentation
 */
import { AbortedError, TimeoutError } from './errors/policy-errors.js';
import { ResilienceError } from './errors/resilience-error.js';
import {
  ABORT_CODES,
  type HeaderSource,
  kindForErrorCode,
  kindForHttpStatus,
  OVERSIZED_RESPONSE_CODE,
  parseRetryAfterMs,
  TIMEOUT_CODES,
} from './llm-failure-rules.js';
import { type Failure, type FailureKind, failure } from './outcome.js';

/** Options of {@link classifyError}. */
export interface ClassifyErrorOptions {
  /** Wall-clock now in ms, for `Retry-After` HTTP dates (defaults to `Date.now()`). */
  readonly wallNowMs?: number;
}

interface Verdict {
  readonly kind: FailureKind;
  readonly retryAfterMs?: number;
  readonly reason?: string;
}

type Fields = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 6;
const MAX_TEXT = 4_000;

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function constructorName(e: Fields): string | undefined {
  const ctor = (e as { constructor?: { name?: unknown } }).constructor;
  return ctor === undefined || ctor === Object ? undefined : str(ctor.name);
}

/** The HTTP status an error carries (`status` as in OpenAI/Anthropic/fetch wrappers, `statusCode` as in the AI SDK). */
function statusOf(e: Fields): number | undefined {
  const status = typeof e['status'] === 'number' ? e['status'] : e['statusCode'];
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : undefined;
}

/** Codes and types an error names about itself: `code`, `type`, and those of an attached error body. */
function codesOf(e: Fields): string {
  const codes: string[] = [];
  const push = (v: unknown): void => {
    if (typeof v === 'string' && v !== '') codes.push(v);
  };
  push(e['code']);
  push(e['type']);
  for (const key of ['error', 'data']) {
    const body = e[key];
    if (typeof body === 'object' && body !== null) {
      const b = body as Fields;
      push(b['code']);
      push(b['type']);
      const inner = b['error'];
      if (typeof inner === 'object' && inner !== null) {
        push((inner as Fields)['code']);
        push((inner as Fields)['type']);
      }
    }
  }
  return codes.join(' ');
}

/** What the error says about itself, for the context-length, billing and quota markers. */
function textOf(e: Fields, codes: string): string {
  let text = `${codes} ${str(e['message']) ?? ''}`;
  const body = e['responseBody'];
  if (typeof body === 'string') text += ` ${body}`;
  const detail = e['error'];
  if (typeof detail === 'object' && detail !== null) {
    try {
      text += ` ${JSON.stringify(detail)}`;
    } catch {
      // A cyclic or hostile body: the message is enough.
    }
  }
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

function headersOf(e: Fields): HeaderSource | undefined {
  const headers = e['headers'] ?? e['responseHeaders'];
  return typeof headers === 'object' && headers !== null ? (headers as HeaderSource) : undefined;
}

function fromResilienceError(error: ResilienceError): Verdict {
  if (error instanceof TimeoutError) return { kind: 'timeout' };
  if (error instanceof AbortedError) return { kind: 'aborted' };
  const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof retryAfterMs === 'number' ? { kind: 'rejected', retryAfterMs } : { kind: 'rejected' };
}

function inspect(error: unknown, wallNowMs: number | undefined, depth: number): Verdict | undefined {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return undefined;
  if (error instanceof ResilienceError) return fromResilienceError(error);
  const e = error as Fields;
  const name = str(e['name']);
  const ctor = constructorName(e);
  if (name === 'AbortError' || ctor === 'APIUserAbortError') return { kind: 'aborted' };
  if (name === 'TimeoutError' || ctor === 'APIConnectionTimeoutError') return { kind: 'timeout' };

  const codes = codesOf(e);
  const status = statusOf(e);
  if (status !== undefined) {
    const verdict = kindForHttpStatus(status, textOf(e, codes));
    const retryable =
      verdict.kind === 'throttled' || verdict.kind === 'transient' || verdict.kind === 'timeout';
    const retryAfterMs = retryable ? parseRetryAfterMs(headersOf(e), wallNowMs) : undefined;
    return retryAfterMs === undefined ? verdict : { ...verdict, retryAfterMs };
  }

  const code = str(e['code']);
  if (code !== undefined) {
    if (TIMEOUT_CODES.has(code)) return { kind: 'timeout' };
    if (ABORT_CODES.has(code)) return { kind: 'aborted' };
    if (code === OVERSIZED_RESPONSE_CODE) return { kind: 'malformed' };
  }
  if (codes !== '') {
    const verdict = kindForErrorCode(codes, textOf(e, codes));
    if (verdict !== undefined) return verdict;
  }
  // Wrapped errors: `cause` (fetch, the SDKs' connection errors), `lastError` (the AI SDK's RetryError).
  return inspect(e['cause'], wallNowMs, depth + 1) ?? inspect(e['lastError'], wallNowMs, depth + 1);
}

/**
 * Classifies anything a call threw into the core's failure kinds, with the same LLM taxonomy the
 * providers use:
 * - an error carrying an HTTP status (`status` or `statusCode`): 429 → `throttled` (with the
 *   `retry-after`/`retry-after-ms`/`x-ratelimit-reset-*` wait from its `headers`/`responseHeaders`),
 *   401/402/403 and billing/quota messages → `account`, 408/504 → `timeout`, 5xx/409 → `transient`,
 *   400/413 saying the prompt is too long → `request` with reason `context_length`, other 4xx → `request`;
 * - `AbortError` / `APIUserAbortError` → `aborted`; `TimeoutError` / `APIConnectionTimeoutError` and
 *   undici's connect/headers/body timeout codes → `timeout`;
 * - an error code or type without a status (`rate_limit_exceeded`, `overloaded_error`,
 *   `context_length_exceeded`, `insufficient_quota`) → the matching kind;
 * - the policies' own errors: a timeout → `timeout`, an abort → `aborted`, others → `rejected`;
 * - otherwise the `cause` chain decides, and an error nothing recognises (a refused or reset
 *   connection, `fetch failed`, a plain `Error`) is `transient`.
 *
 * The returned failure's `error` is the error given. Never throws.
 */
export function classifyError(error: unknown, options: ClassifyErrorOptions = {}): Failure {
  let verdict: Verdict | undefined;
  try {
    verdict = inspect(error, options.wallNowMs, 0);
  } catch {
    // A getter that throws (a hostile or proxied error object): nothing more to learn from it.
    verdict = undefined;
  }
  if (verdict === undefined) return failure('transient', error);
  return failure(verdict.kind, error, verdict.retryAfterMs, verdict.reason);
}
