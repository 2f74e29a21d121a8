/**
 * A request's overall deadline, without an `AbortController` per request: the deadline is a point in
 * time that every step checks (a retry sleep that would cross it is not taken; an attempt whose model
 * timeout would cross it gets a shorter one). Only that rare shortened attempt pays for a controller.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';

/** Monotonic time by which a request must end (Infinity when it has no deadline). */
export function deadlineOf(clock: Clock, deadlineMs: number | undefined): number {
  return deadlineMs === undefined || !Number.isFinite(deadlineMs)
    ? Number.POSITIVE_INFINITY
    : clock.now() + Math.max(0, deadlineMs);
}
