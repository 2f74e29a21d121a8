/**
 * Time source used by every policy. Inject a {@link FakeClock} in tests so nothing ever sleeps.
 * @packageDocumentation
 */

/** Opaque handle returned by {@link Clock.setTimer}. */
export type TimerHandle = unknown;

/** An injectable monotonic clock plus timer source. */
export interface Clock {
  /** Monotonic milliseconds (not wall time). */
  now(): number;
  /** Wall-clock milliseconds since the epoch (for records and `Retry-After` dates). */
  wallNow(): number;
  /**
   * Schedules `fn` after `ms`. By default the timer is a background one (`unref()`ed: it never keeps a
   * process alive, e.g. probes and cleanups); pass `keepAlive` for a timer someone awaits (a retry's
   * backoff, a timeout on a pending call), so a plain script does not exit with that promise unsettled.
   */
  setTimer(fn: () => void, ms: number, keepAlive?: boolean): TimerHandle;
  /**
   * Optional: switches a timer between awaited (`true`, keeps the process alive) and background. Clocks
   * without it leave the timer as it was made.
   */
  keepAlive?(handle: TimerHandle, on: boolean): void;
  /** Cancels a timer made by {@link Clock.setTimer}; unknown handles are ignored. */
  clearTimer(handle: TimerHandle): void;
}

interface Unrefable {
  ref?: () => unknown;
  unref?: () => unknown;
}

/** The real clock: `performance.now()` and global timers, unref'd unless awaited (`keepAlive`). */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(fn, ms, keepAlive) {
    const handle = setTimeout(fn, ms) as unknown as Unrefable;
    if (keepAlive !== true) handle.unref?.();
    return handle;
  },
  keepAlive(handle, on) {
    const h = handle as Unrefable;
    if (on) h.ref?.();
    else h.unref?.();
  },
  clearTimer(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
