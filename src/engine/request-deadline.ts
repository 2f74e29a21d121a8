/**
 * The signal a request runs under: the caller's own, or (only when a deadline is asked for) a linked one
 * that also aborts at the deadline. Nothing is allocated for a request without a deadline.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors/policy-errors.js';

/** A request's signal and how to release it. */
export interface RequestSignal {
  readonly signal: AbortSignal | undefined;
  /** Monotonic deadline (Infinity when none). */
  readonly deadlineAt: number;
  /** True once the deadline (not the caller) aborted the request. */
  deadlineHit(): boolean;
  /** Clears the timer and the listener on the caller's signal. */
  release(): void;
}

const NOTHING = (): void => {};
const NEVER = (): boolean => false;

/** Links `callerSignal` with a deadline `deadlineMs` from now (when given). */
export function requestSignal(
  clock: Clock,
  callerSignal: AbortSignal | undefined,
  deadlineMs: number | undefined,
): RequestSignal {
  if (deadlineMs === undefined || !Number.isFinite(deadlineMs)) {
    return {
      signal: callerSignal,
      deadlineAt: Number.POSITIVE_INFINITY,
      deadlineHit: NEVER,
      release: NOTHING,
    };
  }
  const controller = new AbortController();
  let hit = false;
  const timer = clock.setTimer(
    () => {
      hit = true;
      controller.abort(new TimeoutError(deadlineMs));
    },
    Math.max(0, deadlineMs),
  );
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) controller.abort(callerSignal.reason);
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    deadlineAt: clock.now() + deadlineMs,
    deadlineHit: () => hit,
    release: () => {
      clock.clearTimer(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
