/**
 * Retry policy: backoff, server-advised delays, a shared budget, abortable sleeps.
 * @packageDocumentation
 */
import type { Backoff } from './backoff/backoff.js';
import { ExponentialBackoff } from './backoff/exponential.js';
import { type Call, type Chain, type FastStage, invokeFast, type UserFn } from './call.js';
import type { CancelSignal } from './cancel-signal.js';
import { type Clock, systemClock } from './clock.js';
import { AbortedError, type GiveUpReason, RetryExhaustedError } from './errors/policy-errors.js';
import { EventEmitter } from './event-emitter.js';
import { countsAsFailure, type Failure, failure, isRetryable, type Outcome } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';
import type { RetryBudget } from './retry-budget.js';
import type { SignalScope } from './signal-scope.js';
import { sleep } from './sleep.js';

/** Options of {@link RetryPolicy}. */
export interface RetryOptions extends PolicyOptions {
  /** Retries after the first attempt (default 3, so at most 4 attempts). */
  readonly maxRetries?: number;
  /** Backoff for `transient`, `timeout` and `malformed` failures (default: exponential 1 s ×2, ±20 %, cap 8 s). */
  readonly backoff?: Backoff;
  /** Backoff for `throttled` failures without a server-advised delay (default: exponential 2 s ×2, cap 16 s). */
  readonly throttledBackoff?: Backoff;
  /** Upper bound of a server-advised `retryAfterMs` (default 60 000 ms). */
  readonly maxRetryAfterMs?: number;
  /** A budget shared with other retry policies and hedging. */
  readonly budget?: RetryBudget;
  /** Time source (default {@link systemClock}). */
  readonly clock?: Clock;
}

/** Per-call rules of {@link RetryPolicy.retryLoop}. */
export interface RetryLoopCall {
  /** Checked before each retry and ends a sleep at once (a policy scope or a caller's signal). */
  readonly cancel?: SignalScope | CancelSignal | undefined;
  /** At most this many retries for this call (the policy's `maxRetries` still caps it). */
  readonly maxRetries?: number;
  /**
   * The per-attempt decision, asked before each retry with the failure, the retry's index (0 = first)
   * and the delay the policy would wait: `undefined` to retry, or a reason to stop (returned as `stop`).
   */
  readonly decide?: (failure: Failure, retryIndex: number, delayMs: number) => string | undefined;
  /** Called before each retry's sleep. */
  readonly onRetry?: (failure: Failure, retryIndex: number, delayMs: number) => void;
}

/** What {@link RetryPolicy.retryLoop} ended with. */
export interface RetryLoopResult<T> {
  /** The last attempt's outcome (`aborted` when cancelled before or during a sleep). */
  readonly outcome: Outcome<T>;
  /** Retries made (attempts - 1). */
  readonly retries: number;
  /** `success`, `not-retryable`, `max-retries`, `budget`, `aborted`, or the reason `decide` returned. */
  readonly stop: string;
}

/** Fired before each retry sleep. */
export interface RetryEvent {
  /** The attempt that just failed (0 = first). */
  readonly attempt: number;
  /** Its failure. */
  readonly failure: Failure;
  /** How long the policy waits before the next attempt. */
  readonly delayMs: number;
}

/** Fired when the policy stops retrying a retryable failure. */
export interface GiveUpEvent {
  /** Attempts made in total. */
  readonly attempts: number;
  /** The last failure. */
  readonly failure: Failure;
  /** Why it stopped. */
  readonly reason: GiveUpReason;
}

/**
 * Retries retryable failures (see `isRetryable`): the delay is the failure's `retryAfterMs` when the
 * server advised a finite one (clamped to `[0, maxRetryAfterMs]`), otherwise (none, or not finite) the
 * backoff for its kind. An abort
 * during the sleep returns an `aborted` outcome at once, with no further attempt. When it gives up
 * after retrying, the outcome keeps the last failure's kind and carries a {@link RetryExhaustedError}.
 */
export class RetryPolicy extends BasePolicy implements FastStage {
  /** Fired before each retry (free when nobody listens). */
  readonly onRetry = new EventEmitter<RetryEvent>();
  /** Fired when retries are exhausted (count or budget). */
  readonly onGiveUp = new EventEmitter<GiveUpEvent>();
  private readonly maxRetries: number;
  private readonly backoff: Backoff;
  private readonly throttledBackoff: Backoff;
  private readonly maxRetryAfterMs: number;
  private readonly budget: RetryBudget | undefined;
  private readonly clock: Clock;

  /** @param options - see {@link RetryOptions} */
  constructor(options: RetryOptions = {}) {
    super(options);
    const max = options.maxRetries ?? 3;
    if (!Number.isInteger(max) || max < 0)
      throw new RangeError(`maxRetries must be an integer >= 0 (got ${max})`);
    this.maxRetries = max;
    this.backoff = options.backoff ?? new ExponentialBackoff();
    this.throttledBackoff =
      options.throttledBackoff ?? new ExponentialBackoff({ initialDelayMs: 2000, maxDelayMs: 16_000 });
    const maxAfter = options.maxRetryAfterMs ?? 60_000;
    if (!(maxAfter >= 0)) throw new RangeError(`maxRetryAfterMs must be >= 0 (got ${maxAfter})`);
    this.maxRetryAfterMs = maxAfter;
    this.budget = options.budget;
    this.clock = options.clock ?? systemClock;
  }

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    return invokeFast<T>(this, call, fn, next);
  }

  /** @inheritDoc FastStage.enter */
  enter(): unknown {
    return undefined;
  }

  /** @inheritDoc FastStage.leave */
  leave<T>(
    out: Outcome<T>,
    _token: unknown,
    call: Call,
    fn: UserFn,
    next: Chain,
  ): Outcome<T> | Promise<Outcome<T>> {
    if (out.ok) {
      this.budget?.recordSuccess();
      return out;
    }
    // A failure that is neither retried nor counted (rejected, request, …) needs no async step.
    if (!isRetryable(out.kind) && !countsAsFailure(out.kind)) return out;
    return this.retryAfter(out, call, fn, next);
  }

  /** Retries after the failed first attempt `first` (of `call`) while the rules allow. */
  private async retryAfter<T>(first: Failure, call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    const r = await this.retryLoop<T>(
      (i) => next.run<T>(call.with(call.scope, call.attempt + i), fn),
      { cancel: call.scope },
      first,
    );
    if (r.stop === 'max-retries' || r.stop === 'budget')
      return this.giveUp(r.outcome as Failure, r.retries + 1, r.stop);
    return r.outcome;
  }

  /**
   * The retry loop itself, for callers that are not a pipeline stage (the engine runs each model's
   * attempts through it). Runs `attempt(0)` (unless `first`, its outcome, is given), then retries while
   * the rules allow, in this order: a retryable kind; fewer than `maxRetries` retries (the policy's,
   * lowered by the call's); not cancelled; the call's own `decide` (given the delay the policy would
   * wait); the budget. The budget records every attempt's success or counted failure. Never throws.
   */
  async retryLoop<T>(
    attempt: (retryIndex: number) => Outcome<T> | Promise<Outcome<T>>,
    call: RetryLoopCall = {},
    first?: Outcome<T>,
  ): Promise<RetryLoopResult<T>> {
    const budget = this.budget;
    const cancel = call.cancel;
    const max = call.maxRetries === undefined ? this.maxRetries : Math.min(this.maxRetries, call.maxRetries);
    let out = first ?? (await attempt(0));
    let retries = 0;
    let previousDelay = 0;
    for (;;) {
      if (out.ok) {
        budget?.recordSuccess();
        return { outcome: out, retries, stop: 'success' };
      }
      if (budget && countsAsFailure(out.kind)) budget.recordFailure();
      if (!isRetryable(out.kind)) return { outcome: out, retries, stop: 'not-retryable' };
      if (retries >= max) return { outcome: out, retries, stop: 'max-retries' };
      if (cancel?.aborted)
        return { outcome: failure('aborted', new AbortedError(cancel.reason)), retries, stop: 'aborted' };
      const delayMs = this.delayFor(out, retries, previousDelay);
      const veto = call.decide?.(out, retries, delayMs);
      if (veto !== undefined) return { outcome: out, retries, stop: veto };
      if (budget && !budget.trySpend()) return { outcome: out, retries, stop: 'budget' };
      previousDelay = delayMs;
      call.onRetry?.(out, retries, delayMs);
      if (this.onRetry.hasListeners) this.onRetry.emit({ attempt: retries, failure: out, delayMs });
      if (!(await sleep(this.clock, delayMs, cancel))) {
        return { outcome: failure('aborted', new AbortedError(cancel?.reason)), retries, stop: 'aborted' };
      }
      retries++;
      out = await attempt(retries);
    }
  }

  /** The delay before the next attempt after `out` (exposed for tests and diagnostics). */
  delayFor(out: Failure, retryIndex: number, previousDelayMs: number): number {
    const advised = out.retryAfterMs;
    if (advised !== undefined && Number.isFinite(advised)) {
      return advised <= 0 ? 0 : Math.min(advised, this.maxRetryAfterMs);
    }
    const backoff = out.kind === 'throttled' ? this.throttledBackoff : this.backoff;
    return backoff.delay(retryIndex, previousDelayMs);
  }

  private giveUp(last: Failure, attempts: number, reason: GiveUpReason): Failure {
    if (this.onGiveUp.hasListeners) this.onGiveUp.emit({ attempts, failure: last, reason });
    if (attempts === 1 && reason === 'max-retries') return last;
    return failure(
      last.kind,
      new RetryExhaustedError(last, attempts, reason),
      last.retryAfterMs,
      last.reason,
    );
  }

  describeSelf(): { name: string; options: Readonly<Record<string, unknown>> } {
    return {
      name: 'retry',
      options: {
        maxRetries: this.maxRetries,
        backoff: this.backoff.describe(),
        throttledBackoff: this.throttledBackoff.describe(),
        maxRetryAfterMs: this.maxRetryAfterMs,
        budget: this.budget !== undefined,
      },
    };
  }
}

/** Shorthand for `new RetryPolicy(options)`. */
export function retry(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(options);
}
