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
  /** Schedules `fn` after `ms`. Real timers are always `unref()`ed so they never keep a process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer made by {@link Clock.setTimer}; unknown handles are ignored. */
  clearTimer(handle: TimerHandle): void;
}

interface Unrefable {
  unref?: () => unknown;
}

/** The real clock: `performance.now()` and global timers, every timer unref'd. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(fn, ms) {
    const handle = setTimeout(fn, ms) as unknown as Unrefable;
    handle.unref?.();
    return handle;
  },
  clearTimer(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
