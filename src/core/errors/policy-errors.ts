/**
 * The typed errors of each policy. Every one has a stable `code`.
 * @packageDocumentation
 */
import type { Failure } from '../outcome.js';
import { ResilienceError, withoutStack } from './resilience-error.js';

/**
 * A circuit breaker refused the call (open, half-open with every probe slot taken, or isolated).
 * Created without a stack trace (see {@link withoutStack}) so that fail-fast rejection stays cheap.
 */
export class BrokenCircuitError extends ResilienceError {
  /** Always `'BROKEN_CIRCUIT'`. */
  readonly code = 'BROKEN_CIRCUIT' as const;
  private readonly after: number | undefined | (() => number | undefined);

  /**
   * @param retryAfterMs - milliseconds until the breaker may admit a call again (undefined when
   *   unknown, e.g. while manually isolated), or a function giving it live
   * @param message - optional message
   */
  constructor(retryAfterMs: number | undefined | (() => number | undefined), message = 'Circuit is open') {
    super(message);
    this.after = retryAfterMs;
  }

  /**
   * Milliseconds until the breaker may admit a call again. A breaker reuses one preallocated error
   * per breaker and state, so this is read live from the breaker; the rejected `Failure`'s
   * `retryAfterMs` holds the value at the moment of rejection.
   */
  get retryAfterMs(): number | undefined {
    return typeof this.after === 'function' ? this.after() : this.after;
  }

  /** Builds one without capturing a stack. */
  static fast(
    retryAfterMs: number | undefined | (() => number | undefined),
    message?: string,
  ): BrokenCircuitError {
    return withoutStack(() => new BrokenCircuitError(retryAfterMs, message));
  }
}

/** A timeout policy's deadline passed before the call completed. */
export class TimeoutError extends ResilienceError {
  /** Always `'TIMEOUT'`. */
  readonly code = 'TIMEOUT' as const;
  /** @param timeoutMs - the deadline that was exceeded */
  constructor(readonly timeoutMs: number) {
    super(`Operation timed out after ${timeoutMs} ms`);
  }
}

/** A bulkhead was full (every slot busy and the queue full). Created without a stack trace. */
export class BulkheadRejectedError extends ResilienceError {
  /** Always `'BULKHEAD_REJECTED'`. */
  readonly code = 'BULKHEAD_REJECTED' as const;
  /** @param maxConcurrent - the concurrency limit; @param maxQueue - the queue bound */
  constructor(
    readonly maxConcurrent: number,
    readonly maxQueue: number,
  ) {
    super(`Bulkhead full (${maxConcurrent} running, ${maxQueue} queued)`);
  }

  /** Builds one without capturing a stack (the hot-path constructor). */
  static fast(maxConcurrent: number, maxQueue: number): BulkheadRejectedError {
    return withoutStack(() => new BulkheadRejectedError(maxConcurrent, maxQueue));
  }
}

/** Why a retry policy stopped retrying. */
export type GiveUpReason = 'max-retries' | 'budget';

/** A retry policy gave up. `lastFailure` is the failure of the final attempt; `cause` its error. */
export class RetryExhaustedError extends ResilienceError {
  /** Always `'RETRY_EXHAUSTED'`. */
  readonly code = 'RETRY_EXHAUSTED' as const;
  /**
   * @param lastFailure - the outcome of the last attempt
   * @param attempts - how many attempts were made in total
   * @param reason - why no further attempt was made
   */
  constructor(
    readonly lastFailure: Failure,
    readonly attempts: number,
    readonly reason: GiveUpReason = 'max-retries',
  ) {
    super(`Gave up after ${attempts} attempts (${reason}); last failure: ${lastFailure.kind}`, {
      cause: lastFailure.error,
    });
  }
}

/** The caller aborted (its `AbortSignal` fired). Neutral for breakers and health. */
export class AbortedError extends ResilienceError {
  /** Always `'ABORTED'`. */
  readonly code = 'ABORTED' as const;
  /** @param reason - the signal's abort reason, if any */
  constructor(readonly reason?: unknown) {
    super('Operation aborted', reason === undefined ? undefined : { cause: reason });
  }
}
