/**
 * Outcome objects: the pipeline passes these instead of throwing. Only the public edge
 * (`execute`, the HTTP layer) turns a failure into a thrown error or an error response.
 * @packageDocumentation
 */

/**
 * How a failed call is classified. Breakers, retries, health and fallback read the kind, never
 * transport details such as HTTP status codes.
 *
 * - `transient`: counts as a failure, retryable (5xx, connection reset, 529 overloaded).
 * - `throttled`: rate limited; retryable after `retryAfterMs`.
 * - `timeout`: the attempt ran out of time; counts as a failure, retryable.
 * - `request`: the caller's mistake (400/404/422); never retried, never counted against a breaker.
 * - `account`: auth/billing/quota; not retried, long cooldown.
 * - `malformed`: the upstream answered but the answer is unusable; counts as a failure.
 * - `aborted`: the caller cancelled; neutral for breakers and health.
 * - `rejected`: a policy refused to run the call (open circuit, full bulkhead, exhausted budget).
 */
export type FailureKind =
  | 'transient'
  | 'throttled'
  | 'timeout'
  | 'request'
  | 'account'
  | 'malformed'
  | 'aborted'
  | 'rejected';

/** Every kind an outcome can have, success included. */
export type OutcomeKind = 'success' | FailureKind;

/** A successful outcome. */
export interface Success<T> {
  readonly ok: true;
  readonly value: T;
}

/** A failed outcome. */
export interface Failure {
  readonly ok: false;
  readonly kind: FailureKind;
  /** The underlying error (a typed `ResilienceError` for policy rejections). */
  readonly error: unknown;
  /** Server-advised or policy-advised delay before trying again, when known. */
  readonly retryAfterMs?: number;
  /**
   * Free-form detail a classifier may attach, e.g. `'context_length'` for a request that is too long
   * for this model but may fit a larger one.
   */
  readonly reason?: string;
}

/** The result of running something through a policy pipeline. */
export type Outcome<T> = Success<T> | Failure;

/** Builds a success outcome. */
export function success<T>(value: T): Success<T> {
  return { ok: true, value };
}

/** Builds a failure outcome. */
export function failure(kind: FailureKind, error: unknown, retryAfterMs?: number, reason?: string): Failure {
  const out: { ok: false; kind: FailureKind; error: unknown; retryAfterMs?: number; reason?: string } = {
    ok: false,
    kind,
    error,
  };
  if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
  if (reason !== undefined) out.reason = reason;
  return out;
}

/** True for kinds that count as a failure of the callee (breaker and health count them). */
export function countsAsFailure(kind: OutcomeKind): boolean {
  return kind === 'transient' || kind === 'throttled' || kind === 'timeout' || kind === 'malformed';
}

/** True for kinds a retry may help with. */
export function isRetryable(kind: OutcomeKind): boolean {
  return kind === 'transient' || kind === 'throttled' || kind === 'timeout' || kind === 'malformed';
}
