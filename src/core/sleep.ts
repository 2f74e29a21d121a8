/**
 * An abortable sleep on a {@link Clock}.
 * @packageDocumentation
 */
import type { Clock } from './clock.js';
import type { SignalScope } from './signal-scope.js';

/**
 * Waits `ms` on `clock`. Resolves `true` when the sleep completed, `false` at once when `scope`
 * aborts (the timer is cleared and the abort listener removed either way).
 */
export function sleep(clock: Clock, ms: number, scope: SignalScope | undefined): Promise<boolean> {
  if (scope?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let unsubscribe: (() => void) | undefined;
    const timer = clock.setTimer(() => {
      unsubscribe?.();
      resolve(true);
    }, ms);
    if (scope) {
      unsubscribe = scope.onAbort(() => {
        clock.clearTimer(timer);
        resolve(false);
      });
    }
  });
}
