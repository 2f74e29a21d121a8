/**
 * OpenAI-shaped error responses (`{ error: { message, type, code, param } }`) and the mapping from engine
 * failures to HTTP statuses. Messages are scrubbed of anything that looks like a credential.
 * @packageDocumentation
 */
import type { AttemptRecord } from '../engine/events.js';
import type { EngineFailure } from '../engine/types.js';

/** OpenAI's error `type` values used by the gateway. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error';

/** The body of an error response. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; code: string | null; param: string | null };
}

/** An error the HTTP layer knows how to answer. */
export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  /** Seconds for a `retry-after` header. */
  readonly retryAfterSeconds?: number;
}

const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 [redacted]'],
  [/\b(?:sk|pk|rk|ak)-[A-Za-z0-9_-]{6,}/g, '[redacted]'],
  [
    /\b(api[_-]?key|x-api-key|authorization|x-admin-key|token|secret|password)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
    '$1$2[redacted]',
  ],
];

/** Removes anything that looks like a credential from a message. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Builds an error. */
export function httpError(
  status: number,
  type: ErrorType,
  message: string,
  code: string | null = null,
  param: string | null = null,
  retryAfterSeconds?: number,
): HttpError {
  const body: ErrorBody = { error: { message: scrubSecrets(message), type, code, param } };
  return retryAfterSeconds === undefined ? { status, body } : { status, body, retryAfterSeconds };
}

/** 400 naming the field at fault. */
export function invalidRequest(
  message: string,
  param: string | null = null,
  code = 'invalid_request',
): HttpError {
  return httpError(400, 'invalid_request_error', message, code, param);
}

/**
 * A 401 for a request that did not send the key it needs. `guidance` is the gateway's own fixed text
 * (never input), so it is not scrubbed: "send Authorization: Bearer <key>" must reach the caller intact.
 */
export function missingKey(guidance: string): HttpError {
  return {
    status: 401,
    body: {
      error: { message: guidance, type: 'authentication_error', code: 'missing_api_key', param: null },
    },
  };
}

/**
 * A 429 asking the caller to come back in `waitMs` (whole seconds, at least 1, also sent as
 * `retry-after`); `message` gets those seconds.
 */
export function tooManyRequests(waitMs: number, message: (seconds: number) => string): HttpError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return httpError(429, 'rate_limit_error', message(seconds), 'rate_limit_exceeded', null, seconds);
}

/** 404 for a model, chain or route that names nothing. */
export function modelNotFound(name: string): HttpError {
  return httpError(
    404,
    'invalid_request_error',
    `The model "${truncate(name, 200)}" does not exist: it is not a model id, alias, chain or route`,
    'model_not_found',
    'model',
  );
}

/** Shortens long user-provided text embedded in messages. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * Summarises an attempt trail: `a: transient (timeout), b: rejected (breaker_open)`. Models skipped as
 * `restricted` (outside the caller's key's set) are left out: an error never names them.
 */
export function summariseTrail(all: readonly AttemptRecord[]): string {
  const attempts = all.some((a) => a.note === 'restricted')
    ? all.filter((a) => a.note !== 'restricted')
    : all;
  if (attempts.length === 0) return 'no candidate was tried';
  const parts = attempts.slice(0, 10).map((a) => {
    const retries = a.retries > 0 ? `, ${a.retries} retries` : '';
    return a.note && a.note !== a.kind
      ? `${a.model}: ${a.kind} (${a.note}${retries})`
      : `${a.model}: ${a.kind}${retries}`;
  });
  if (attempts.length > 10) parts.push(`… ${attempts.length - 10} more`);
  return parts.join(', ');
}

/**
 * The attempt trail of a stream that failed after it started: the committed attempt (recorded as
 * `served` when its first content arrived) shows how the stream ended instead, e.g.
 * `primary: timeout (idle_timeout)`, so the error does not say `success` next to a timeout.
 */
export function trailAfterCut(
  attempts: readonly AttemptRecord[],
  model: string,
  failure: { readonly kind: AttemptRecord['kind']; readonly reason?: string; readonly error?: unknown },
): AttemptRecord[] {
  const code = (failure.error as { code?: unknown } | undefined)?.code;
  const note = failure.reason ?? (typeof code === 'string' ? code : 'cut after it started');
  const out = [...attempts];
  for (let i = out.length - 1; i >= 0; i--) {
    const a = out[i]!;
    if (a.model !== model || a.kind !== 'success') continue;
    out[i] = { ...a, kind: failure.kind, note };
    break;
  }
  return out;
}

/** The HTTP status an upstream answered with, when the failure carries one. */
function upstreamStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

/** Maps a failed engine result to a status and an OpenAI-shaped body. */
export function engineFailureToHttp(result: EngineFailure, target: string): HttpError {
  const retryAfter =
    result.failure.retryAfterMs !== undefined
      ? Math.max(1, Math.ceil(result.failure.retryAfterMs / 1000))
      : undefined;
  const trail = summariseTrail(result.attempts);
  const msg = `${result.message} (attempts: ${trail})`;
  if (result.code === 'not_found') return modelNotFound(target);
  if (result.code === 'restricted') {
    return httpError(
      403,
      'permission_error',
      `${result.message}: this key may not use "${truncate(target, 200)}"`,
      'model_restricted',
      'model',
    );
  }
  const upstream = upstreamStatus(result.failure.error);
  if (result.failure.kind === 'request' && result.failure.reason === 'context_length') {
    return httpError(400, 'invalid_request_error', msg, 'context_length_exceeded', 'messages');
  }
  if (result.code === 'invalid' && result.failure.reason === 'capabilities') {
    return httpError(400, 'invalid_request_error', msg, 'unsupported_capability', null);
  }
  if (result.code === 'invalid' || result.failure.kind === 'request') {
    // The caller's mistake, returned as is: the upstream's own 4xx (400, 404, 413, 422) when there is one.
    const status =
      upstream !== undefined && upstream >= 400 && upstream < 500 && upstream !== 429 ? upstream : 400;
    return httpError(status, 'invalid_request_error', msg, 'invalid_request', null);
  }
  switch (result.failure.kind) {
    case 'timeout':
      return httpError(504, 'timeout_error', msg, 'deadline_exceeded');
    case 'throttled':
      return httpError(429, 'rate_limit_error', msg, 'rate_limit_exceeded', null, retryAfter ?? 1);
    case 'rejected':
      return httpError(503, 'api_error', msg, 'upstream_unavailable', null, retryAfter);
    case 'aborted':
      return httpError(503, 'api_error', msg, 'request_aborted');
    default: {
      // One model tried (a plain proxy, or a model without fallbacks): its own 5xx goes back as is.
      const single =
        result.attempts.length === 1 && upstream !== undefined && upstream >= 500 && upstream < 600;
      return httpError(single ? upstream : 502, 'api_error', msg, 'upstream_exhausted', null, retryAfter);
    }
  }
}
