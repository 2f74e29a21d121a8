import type { FakeClock } from '../../src/core/testing/index.js';
import { flushMicrotasks } from '../../src/core/testing/index.js';

/** Fires fake timers until `promise` settles (bounded). */
export async function drive<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 1000 && !done; i++) {
    await flushMicrotasks();
    await clock.runAll();
  }
  return promise;
}
