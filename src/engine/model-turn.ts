/**
 * One model's turn in a request: the model's attempts run through the core's retry loop
 * (`RetryPolicy.retryLoop`); each attempt takes a breaker permit and a bulkhead slot, makes the call and
 * records the outcome in the breaker and the health monitor. Returns an outcome; never throws.
 * @packageDocumentation
 */

import type { BreakerPermit } from '../core/breaker/breaker-permit.js';
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';
import { BulkheadRejectedError } from '../core/errors/policy-errors.js';
import type { EventEmitter } from '../core/event-emitter.js';
import { type Failure, failure, isRetryable, type Outcome } from '../core/outcome.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { CompiledModel, HedgeSettings, RetrySettings } from './compiled-model.js';
import type { EngineEvent } from './events.js';
import { ThrottleWindowError } from './throttle-window.js';
import type { FeatureSwitches } from './types.js';

/** The per-request state every model turn shares. */
export interface RequestScope {
  readonly requestId: string;
  readonly target: string;
  /** Caller's signal, combined with the request deadline when there is one. */
  readonly signal: CancelSignal | undefined;
  /** Monotonic time by which the whole request must end (Infinity when none). */
  readonly deadlineAt: number;
  readonly features: FeatureSwitches;
  /** Retries per model for this request (a chain's `maxRetries`; each model's own still caps it). */
  readonly maxRetries: number | undefined;
  /** True while the engine is in degraded mode (hedging is suspended then). */
  readonly degraded: boolean;
}

/** What the engine shares with every model turn. */
export interface AttemptDeps {
  readonly clock: Clock;
  readonly health: HealthMonitor;
  readonly budget: RetryBudget;
  readonly retry: RetrySettings;
  readonly hedge: HedgeSettings;
  readonly events: EventEmitter<EngineEvent>;
}

/** How one model's turn ended. */
export interface ModelTurn<T> {
  readonly outcome: Outcome<T>;
  /** Retries spent on this model. */
  readonly retries: number;
  /** Time spent, retries and backoff included. */
  readonly latencyMs: number;
  /** Why the engine should move on (or `'served'`). */
  readonly note: string;
  /** With `deferSuccess`, the open permit of a successful call (the stream settles it when it ends). */
  readonly permit: BreakerPermit | undefined;
}

/**
 * One call to the model; `signal` is the request's signal (the callee adds its own timeouts, shortened
 * so as not to cross `deadlineAt`).
 */
export type ModelCall<T> = (
  model: CompiledModel,
  signal: CancelSignal | undefined,
  deadlineAt: number,
) => Promise<Outcome<T>>;

/** Shed because the model already has its limit of calls in flight; `Retry-After` 1 s. */
export const BULKHEAD_RETRY_AFTER_MS = 1000;

/**
 * Runs `call` on one model with its breaker, bulkhead and retries.
 * @param hasNext - another candidate is left, so long waits and refused connections move on at once
 * @param deferSuccess - on success keep the permit and the bulkhead slot (streams release them at their end)
 */
export async function runModelTurn<T>(
  deps: AttemptDeps,
  rt: CompiledModel,
  scope: RequestScope,
  call: ModelCall<T>,
  hasNext: boolean,
  deferSuccess: boolean,
): Promise<ModelTurn<T>> {
  const { clock, health } = deps;
  const { features } = scope;
  const started = clock.now();
  let kept: BreakerPermit | undefined;
  let refusal: string | undefined;
  const attempt = async (): Promise<Outcome<T>> => {
    refusal = undefined;
    // A server-advised delay seen earlier (here or by another instance) is honoured like one seen now:
    // the retry loop below waits it out or moves on, with the same rules, without calling the model.
    const wait = rt.throttle.remainingMs();
    if (wait > 0) {
      refusal = 'throttle_window';
      return failure('throttled', ThrottleWindowError.fast(wait), wait, 'throttle_window');
    }
    let permit: BreakerPermit | undefined;
    if (features.breaker) {
      const acquired = rt.breaker.tryAcquire();
      if (!acquired.ok) {
        refusal = 'breaker_open';
        return acquired;
      }
      permit = acquired;
    }
    if (!rt.bulkhead.tryEnter()) {
      permit?.release();
      refusal = 'bulkhead_full';
      const full = BulkheadRejectedError.fast(rt.bulkhead.maxConcurrent, 0);
      return failure('rejected', full, BULKHEAD_RETRY_AFTER_MS, 'bulkhead_full');
    }
    const t0 = clock.now();
    const outcome = await call(rt, scope.signal, scope.deadlineAt);
    if (outcome.ok && deferSuccess) {
      kept = permit;
      return outcome;
    }
    rt.bulkhead.release();
    const t1 = clock.now();
    const kind = outcome.ok ? 'success' : outcome.kind;
    permit?.record(kind, t1 - t0);
    if (features.health) health.record(rt.spec.id, kind, t1 - t0, undefined, t1);
    if (kind === 'throttled') holdThrottle(deps, rt, outcome as Failure);
    return outcome;
  };
  const result = await rt.retry.retryLoop<T>(attempt, {
    cancel: scope.signal,
    maxRetries: features.retries ? scope.maxRetries : 0,
    decide: (f, _i, delayMs) => {
      if (hasNext && isRefused(f)) return 'connection_refused';
      if (hasNext && delayMs > deps.retry.fallbackInsteadOfWaitMs) return noteFor(f);
      if (clock.now() + delayMs >= scope.deadlineAt) return 'deadline';
      return undefined;
    },
    onRetry: deps.events.hasListeners
      ? (f, i, delayMs) =>
          deps.events.emit({
            type: 'retry.scheduled',
            requestId: scope.requestId,
            model: rt.spec.id,
            attempt: i + 1,
            delayMs,
            kind: f.kind,
            at: clock.wallNow(),
          })
      : undefined,
  });
  const { outcome, retries } = result;
  if (!outcome.ok && retries > 0 && isRetryable(outcome.kind) && deps.events.hasListeners) {
    deps.events.emit({
      type: 'retry.gave_up',
      requestId: scope.requestId,
      model: rt.spec.id,
      attempts: retries + 1,
      kind: outcome.kind,
      at: clock.wallNow(),
    });
  }
  const note = outcome.ok ? 'served' : noteOf(result.stop, outcome, refusal);
  return { outcome, retries, latencyMs: clock.now() - started, note, permit: kept };
}

/** Opens (or extends) the model's throttle window for a server-advised delay, and says so. */
function holdThrottle(deps: AttemptDeps, rt: CompiledModel, f: Failure): void {
  const after = f.retryAfterMs;
  if (after === undefined || !rt.throttle.holdFor(after) || !deps.events.hasListeners) return;
  const until = rt.throttle.untilWall();
  if (until === undefined) return;
  deps.events.emit({ type: 'model.throttled', model: rt.spec.id, until, at: deps.clock.wallNow() });
}

/** The trail note for how a turn's retry loop stopped. */
function noteOf(stop: string, f: Failure, refusal: string | undefined): string {
  switch (stop) {
    case 'not-retryable':
    case 'max-retries':
      return refusal ?? noteFor(f);
    case 'budget':
      return 'retry_budget';
    default:
      return stop; // aborted, deadline, connection_refused, or the failure's own note
  }
}

/** The trail note for a failure: its reason when it has one (e.g. `context_length`), else its kind. */
export function noteFor(f: Failure): string {
  return f.reason ?? f.kind;
}

function isRefused(f: Failure): boolean {
  const code = (f.error as { code?: unknown } | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ENOTFOUND';
}
