/**
 * A model's throttle window: after it answered "throttled" with a server-advised delay (`Retry-After`),
 * the engine does not call it again before that delay has passed, on any request. One monotonic
 * timestamp per model; reading it is O(1).
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { withoutStack } from '../core/errors/resilience-error.js';

/** When a model may be called again after a server-advised delay. */
export class ThrottleWindow {
  /** Monotonic time (clock `now()`) before which the model is not called; 0 when never throttled. */
  private notBefore = 0;

  /**
   * @param clock - time source (monotonic for the window, wall-clock to exchange it with other instances)
   * @param maxMs - longest window accepted (`resilience.retry.maxRetryAfter`): a hostile upstream or
   *   peer cannot hold a model for longer
   */
  constructor(
    private readonly clock: Clock,
    private readonly maxMs: number,
  ) {}

  /**
   * Holds calls for `ms` from now (capped at `maxMs`). A shorter window never shortens a longer one.
   * @returns true when the window grew
   */
  holdFor(ms: number): boolean {
    if (!(ms > 0)) return false;
    const until = this.clock.now() + Math.min(ms, this.maxMs);
    if (until <= this.notBefore) return false;
    this.notBefore = until;
    return true;
  }

  /**
   * Holds calls until the wall-clock time `untilWallMs` (a window another instance observed).
   * @returns true when the window grew
   */
  holdUntilWall(untilWallMs: number): boolean {
    if (!Number.isFinite(untilWallMs)) return false;
    return this.holdFor(untilWallMs - this.clock.wallNow());
  }

  /** Milliseconds until the model may be called (0 when it may be now). */
  remainingMs(): number {
    if (this.notBefore === 0) return 0;
    const left = this.notBefore - this.clock.now();
    return Math.max(0, left);
  }

  /** The window's end as wall-clock milliseconds, or undefined when the model may be called now. */
  untilWall(): number | undefined {
    const left = this.remainingMs();
    return left > 0 ? this.clock.wallNow() + left : undefined;
  }
}

/**
 * Why an attempt did not call its model: the model's throttle window has not ended. Created without a
 * stack trace (a refusal, not a fault).
 */
export class ThrottleWindowError extends Error {
  /** Always `'THROTTLE_WINDOW'`. */
  readonly code = 'THROTTLE_WINDOW' as const;

  /** @param retryAfterMs - milliseconds until the window ends */
  constructor(readonly retryAfterMs: number) {
    super(`Model is throttled for another ${Math.ceil(retryAfterMs)} ms (server-advised Retry-After)`);
    this.name = 'ThrottleWindowError';
  }

  /** Builds one without capturing a stack. */
  static fast(retryAfterMs: number): ThrottleWindowError {
    return withoutStack(() => new ThrottleWindowError(retryAfterMs));
  }
}
