/**
 * A sleep on the engine's clock that ends early when a signal aborts.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';

/** Resolves `true` after `ms`, or `false` as soon as `signal` aborts. Leaves no timer or listener behind. */
export function abortableSleep(clock: Clock, ms: number, signal: CancelSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clock.clearTimer(timer);
      resolve(false);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
