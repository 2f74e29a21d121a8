/**
 * Constant backoff.
 * @packageDocumentation
 */
import { type Backoff, requireNonNegative } from './backoff.js';

/** Waits the same delay before every retry. */
export class ConstantBackoff implements Backoff {
  /** @param delayMs - the delay before each retry */
  constructor(readonly delayMs: number) {
    requireNonNegative('delayMs', delayMs);
  }

  delay(_attempt = 0, _previousDelayMs = 0): number {
    return this.delayMs;
  }

  describe(): Readonly<Record<string, unknown>> {
    return { type: 'constant', delayMs: this.delayMs };
  }
}

/** Shorthand for `new ConstantBackoff(delayMs)`. */
export function constantBackoff(delayMs: number): ConstantBackoff {
  return new ConstantBackoff(delayMs);
}
