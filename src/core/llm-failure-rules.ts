/**
 * The LLM failure taxonomy as plain rules: which HTTP status, error code or message means which
 * {@link FailureKind}, and how long a server asked us to wait. Shared by the providers' classifiers
 * (which see raw HTTP responses) and {@link classifyError} (which sees the errors SDKs throw), so both
 * speak the same taxonomy. Pure functions, no Node-only APIs.
 * @packageDocumentation
 */
import { parseDurationText } from './duration.js';
import type { FailureKind } from './outcome.js';

/** `reason` for a request too long for this model's context window (a larger model may fit it). */
export const CONTEXT_LENGTH_REASON = 'context_length';
/** `reason` for an overloaded upstream (Anthropic 529, `overloaded_error`). */
export const OVERLOADED_REASON = 'overloaded';

const CONTEXT_MARKERS =
  /context_length_exceeded|prompt is too long|maximum context length|context length|context window|too many input tokens|reduce the length of the messages/i;
const ACCOUNT_MARKERS = /insufficient_quota|credit balance is too low|billing|exceeded your current quota/i;
const QUOTA_MARKER = /quota|payment required/i;

/** A kind and the optional reason that refines it. */
export interface KindVerdict {
  readonly kind: FailureKind;
  readonly reason?: string;
}

/**
 * The kind an HTTP error status means. `text` is whatever the error says about itself (code, type,
 * message, body), searched for context-length, billing and quota markers.
 */
export function kindForHttpStatus(status: number, text: string): KindVerdict {
  if (status >= 400 && status < 500 && ACCOUNT_MARKERS.test(text)) return { kind: 'account' };
  if (status === 401 || status === 402 || status === 403) return { kind: 'account' };
  if (status === 429) return { kind: 'throttled' };
  if (status === 408 || status === 504 || status === 524) return { kind: 'timeout' };
  if (status === 529) return { kind: 'transient', reason: OVERLOADED_REASON };
  if (status >= 500 || status === 409 || status === 425) return { kind: 'transient' };
  if ((status === 400 || status === 413) && CONTEXT_MARKERS.test(text)) {
    return { kind: 'request', reason: CONTEXT_LENGTH_REASON };
  }
  if (status >= 400 && QUOTA_MARKER.test(text) && status !== 404 && status !== 422)
    return { kind: 'account' };
  if (status >= 400) return { kind: 'request' };
  return { kind: 'malformed' };
}

/**
 * The kind an error object without an HTTP status means (an error inside a 200 or a stream, or an SDK
 * error built from one), from its `code`/`type` and message. `undefined` when nothing is recognised.
 */
export function kindForErrorCode(code: string, text: string): KindVerdict | undefined {
  if (ACCOUNT_MARKERS.test(text) || /authentication|permission|invalid_api_key/.test(code)) {
    return { kind: 'account' };
  }
  if (/overloaded/.test(code)) return { kind: 'transient', reason: OVERLOADED_REASON };
  if (/rate_limit/.test(code)) return { kind: 'throttled' };
  if (/timeout/.test(code)) return { kind: 'timeout' };
  if (CONTEXT_MARKERS.test(text)) return { kind: 'request', reason: CONTEXT_LENGTH_REASON };
  if (/invalid_request|not_found/.test(code)) return { kind: 'request' };
  return undefined;
}

/** Transport error codes (Node, undici) that mean the call ran out of time. */
export const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
]);
/** Transport error codes that mean the call was cancelled. */
export const ABORT_CODES: ReadonlySet<string> = new Set(['UND_ERR_ABORTED', 'ABORT_ERR']);
/** undici's code for an answer over the response size limit (the upstream misbehaving). */
export const OVERSIZED_RESPONSE_CODE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/**
 * Response headers in any shape an SDK hands them over: a fetch `Headers` (or anything with `get`),
 * or a plain record with lower-case names.
 */
export type HeaderSource =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** One header's value from a {@link HeaderSource}; the first value of a repeated header. */
function readHeader(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value: unknown = get.call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  const value = (headers as Readonly<Record<string, unknown>>)[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses a `Retry-After` header value: either delta-seconds (`"120"`, `"1.5"`) or an HTTP date.
 * Returns milliseconds from `nowWallMs` (never negative), or `undefined` when unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowWallMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowWallMs);
}

/**
 * Parses a Go-style duration as used by `x-ratelimit-reset-*` (`"1s"`, `"6m0s"`, `"20ms"`, `"1h2m3.5s"`);
 * a bare number is seconds. Returns milliseconds, or `undefined` when the text is not a duration.
 */
export function parseDurationMs(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDurationText(text, 1000);
}

/**
 * The server-advised wait in ms, from (in order) `retry-after-ms`, `retry-after` (seconds or HTTP
 * date), and `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens` (the exhausted one, else the
 * longer). `undefined` when no header says.
 */
export function parseRetryAfterMs(
  headers: HeaderSource | undefined,
  wallNowMs = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const ms = readHeader(headers, 'retry-after-ms');
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.max(0, Math.round(Number(ms)));
  const after = parseRetryAfter(readHeader(headers, 'retry-after'), wallNowMs);
  if (after !== undefined) return Math.round(after);
  const requests = parseDurationMs(readHeader(headers, 'x-ratelimit-reset-requests'));
  const tokens = parseDurationMs(readHeader(headers, 'x-ratelimit-reset-tokens'));
  if (readHeader(headers, 'x-ratelimit-remaining-requests') === '0' && requests !== undefined)
    return requests;
  if (readHeader(headers, 'x-ratelimit-remaining-tokens') === '0' && tokens !== undefined) return tokens;
  if (requests !== undefined || tokens !== undefined) return Math.max(requests ?? 0, tokens ?? 0);
  return undefined;
}
