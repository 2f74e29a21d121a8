/**
 * The one abortable sleep of the project, on a {@link Clock}: retries (the core's and the engine's)
 * wait through it.
 * @packageDocumentation
 */
import type { CancelSignal } from './cancel-signal.js';
import type { Clock } from './clock.js';
import { SignalScope } from './signal-scope.js';

/**
 * Waits `ms` on `clock`. Resolves `true` when the sleep completed, `false` at once when `cancel` (a
 * policy's scope or a caller's signal) aborts; the timer is cleared and the abort listener removed
 * either way. The timer keeps the process alive: somebody awaits it.
 */
export function sleep(
  clock: Clock,
  ms: number,
  cancel: SignalScope | CancelSignal | undefined,
): Promise<boolean> {
  if (cancel?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let unsubscribe: (() => void) | undefined;
    const timer = clock.setTimer(
      () => {
        unsubscribe?.();
        resolve(true);
      },
      ms,
      true,
    );
    if (cancel === undefined) return;
    const onAbort = (): void => {
      clock.clearTimer(timer);
      resolve(false);
    };
    if (cancel instanceof SignalScope) {
      unsubscribe = cancel.onAbort(onAbort);
    } else {
      cancel.addEventListener('abort', onAbort, { once: true });
      unsubscribe = () => cancel.removeEventListener('abort', onAbort);
    }
  });
}
