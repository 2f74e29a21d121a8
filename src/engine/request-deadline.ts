/**
 * A request's overall deadline, without an `AbortController` per request: the deadline is a point in
 * time that every step checks (a retry sleep that would cross it is not taken; an attempt whose model
 * timeout would cross it gets a shorter one). Only that rare shortened attempt pays for a controller.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors/policy-errors.js';

/** Monotonic time by which a request must end (Infinity when it has no deadline). */
export function deadlineOf(clock: Clock, deadlineMs: number | undefined): number {
  return deadlineMs === undefined || !Number.isFinite(deadlineMs)
    ? Number.POSITIVE_INFINITY
    : clock.now() + Math.max(0, deadlineMs);
}

/**
 * Runs `fn` with a signal that also aborts (with a `TimeoutError`) after `ms`. The timer and the link to
 * `parent` are removed when `fn` settles.
 */
export async function withDeadline<T>(
  clock: Clock,
  parent: CancelSignal | undefined,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const link = linkedController(parent);
  const timer = clock.setTimer(() => link.controller.abort(new TimeoutError(ms)), Math.max(0, ms));
  try {
    return await fn(link.controller.signal);
  } finally {
    clock.clearTimer(timer);
    link.unlink();
  }
}

/** A controller that also aborts when `parent` does; `unlink()` removes the listener on `parent`. */
export function linkedController(parent: CancelSignal | undefined): {
  controller: AbortController;
  unlink: () => void;
} {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return { controller, unlink: () => parent?.removeEventListener('abort', onAbort) };
}
