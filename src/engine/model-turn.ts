/**
 * One model's turn in a request: breaker permit, the call, health recording, and retries with backoff
 * inside the shared retry budget. Returns an outcome; never throws.
 * @packageDocumentation
 */

import type { BreakerPermit } from '../core/breaker/breaker-permit.js';
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';
import type { EventEmitter } from '../core/event-emitter.js';
import { countsAsFailure, type Failure, isRetryable, type Outcome } from '../core/outcome.js';
import type { RetryBudget } from '../core/retry-budget.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import { abortableSleep } from './abortable-sleep.js';
import type { CompiledModel, RetrySettings } from './compiled-model.js';
import type { EngineEvent } from './events.js';
import type { HedgeSettings } from './hedged-pair.js';
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

/**
 * Runs `call` on one model with its breaker and retries.
 * @param hasNext - another candidate is left, so long waits and refused connections move on at once
 * @param deferSuccess - on success keep the permit open and record nothing (streams report at their end)
 */
export async function runModelTurn<T>(
  deps: AttemptDeps,
  rt: CompiledModel,
  scope: RequestScope,
  call: ModelCall<T>,
  hasNext: boolean,
  deferSuccess: boolean,
): Promise<ModelTurn<T>> {
  const { clock, health, budget } = deps;
  const { features } = scope;
  const started = clock.now();
  let retries = 0;
  let previousDelay = 0;
  for (;;) {
    let permit: BreakerPermit | undefined;
    if (features.breaker) {
      const acquired = rt.breaker.tryAcquire();
      if (!acquired.ok) return turn(acquired, retries, clock.now() - started, 'breaker_open', undefined);
      permit = acquired;
    }
    const t0 = clock.now();
    const outcome = await call(rt, scope.signal, scope.deadlineAt);
    const t1 = clock.now();
    const elapsed = t1 - t0;
    if (outcome.ok) {
      budget.recordSuccess();
      if (deferSuccess) return turn(outcome, retries, t1 - started, 'served', permit);
      permit?.record('success', elapsed);
      if (features.health) health.record(rt.spec.id, 'success', elapsed, undefined, t1);
      return turn(outcome, retries, t1 - started, 'served', undefined);
    }
    const kind = outcome.kind;
    permit?.record(kind, elapsed);
    if (features.health) health.record(rt.spec.id, kind, elapsed, undefined, t1);
    if (countsAsFailure(kind)) budget.recordFailure();
    const note = noteFor(outcome);
    const stop = (why: string): ModelTurn<T> => {
      if (retries > 0 && isRetryable(kind) && deps.events.hasListeners) {
        deps.events.emit({
          type: 'retry.gave_up',
          requestId: scope.requestId,
          model: rt.spec.id,
          attempts: retries + 1,
          kind,
          at: clock.wallNow(),
        });
      }
      return turn(outcome, retries, clock.now() - started, why, undefined);
    };
    if (!features.retries || !isRetryable(kind) || retries >= rt.spec.maxRetries) return stop(note);
    if (hasNext && isRefused(outcome)) return stop('connection_refused');
    const delay = retryDelay(deps.retry, outcome, retries, previousDelay);
    if (hasNext && delay > deps.retry.fallbackInsteadOfWaitMs) return stop(note);
    if (clock.now() + delay >= scope.deadlineAt) return stop('deadline');
    if (!budget.trySpend()) return stop('retry_budget');
    if (deps.events.hasListeners) {
      deps.events.emit({
        type: 'retry.scheduled',
        requestId: scope.requestId,
        model: rt.spec.id,
        attempt: retries + 1,
        delayMs: delay,
        kind,
        at: clock.wallNow(),
      });
    }
    if (!(await abortableSleep(clock, delay, scope.signal))) return stop('aborted');
    previousDelay = delay;
    retries++;
  }
}

function turn<T>(
  outcome: Outcome<T>,
  retries: number,
  latencyMs: number,
  note: string,
  permit: BreakerPermit | undefined,
): ModelTurn<T> {
  return { outcome, retries, latencyMs, note, permit };
}

/** Delay before retry `retryIndex` (0 = first retry): a server-advised delay wins, clamped. */
export function retryDelay(
  settings: RetrySettings,
  f: Failure,
  retryIndex: number,
  previous: number,
): number {
  if (f.retryAfterMs !== undefined && f.retryAfterMs >= 0)
    return Math.min(f.retryAfterMs, settings.maxRetryAfterMs);
  const backoff = f.kind === 'throttled' ? settings.throttledBackoff : settings.backoff;
  return backoff.delay(retryIndex, previous);
}

/** The trail note for a failure: its reason when it has one (e.g. `context_length`), else its kind. */
export function noteFor(f: Failure): string {
  return f.reason ?? f.kind;
}

function isRefused(f: Failure): boolean {
  const code = (f.error as { code?: unknown } | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ENOTFOUND';
}
