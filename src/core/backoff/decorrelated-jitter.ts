/**
 * Decorrelated jitter ("AWS architecture blog" variant).
 * @packageDocumentation
 */
import { type Backoff, clampDelay, type RandomSource, requireNonNegative, unitRandom } from './backoff.js';

/** Options of {@link DecorrelatedJitterBackoff}. */
export interface DecorrelatedJitterOptions {
  /** Smallest delay and the first delay's lower bound (default 1000 ms). */
  readonly baseDelayMs?: number;
  /** Upper bound of any delay (default 8000 ms). */
  readonly maxDelayMs?: number;
  /** Random source (default `Math.random`). */
  readonly random?: RandomSource;
}

/** `delay = min(max, random between base and 3 × previous delay)`. */
export class DecorrelatedJitterBackoff implements Backoff {
  private readonly base: number;
  private readonly max: number;
  private readonly random: RandomSource;

  /** @param options - see {@link DecorrelatedJitterOptions} */
  constructor(options: DecorrelatedJitterOptions = {}) {
    this.base = requireNonNegative('baseDelayMs', options.baseDelayMs ?? 1000);
    this.max = requireNonNegative('maxDelayMs', options.maxDelayMs ?? 8000);
    this.random = options.random ?? Math.random;
  }

  delay(_attempt: number, previousDelayMs: number): number {
    const prev =
      Number.isFinite(previousDelayMs) && previousDelayMs > this.base ? previousDelayMs : this.base;
    const upper = prev * 3;
    const d = this.base + (upper - this.base) * unitRandom(this.random);
    return clampDelay(d, this.max);
  }

  describe(): Readonly<Record<string, unknown>> {
    return { type: 'decorrelated-jitter', baseDelayMs: this.base, maxDelayMs: this.max };
  }
}

/** Shorthand for `new DecorrelatedJitterBackoff(options)`. */
export function decorrelatedJitterBackoff(options?: DecorrelatedJitterOptions): DecorrelatedJitterBackoff {
  return new DecorrelatedJitterBackoff(options);
}
