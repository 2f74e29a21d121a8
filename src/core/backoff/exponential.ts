/**
 * Exponential backoff with optional proportional jitter.
 * @packageDocumentation
 */
import { type Backoff, clampDelay, type RandomSource, requireNonNegative, unitRandom } from './backoff.js';

/** Options of {@link ExponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry (default 1000 ms). */
  readonly initialDelayMs?: number;
  /** Growth factor per attempt (default 2). */
  readonly factor?: number;
  /** Upper bound of any delay (default 8000 ms). */
  readonly maxDelayMs?: number;
  /**
   * Proportional jitter in [0, 1] (default 0.2): the delay is scaled by a random factor in
   * `[1 - jitter, 1 + jitter]`, then clamped to `maxDelayMs`. 0 disables jitter.
   */
  readonly jitter?: number;
  /** Random source (default `Math.random`). */
  readonly random?: RandomSource;
}

/**
 * `initialDelayMs * factor^attempt`, jittered and capped. With the defaults: about 1 s, 2 s, 4 s, 8 s
 * (BIP-03).
 */
export class ExponentialBackoff implements Backoff {
  private readonly initial: number;
  private readonly factor: number;
  private readonly max: number;
  private readonly jitter: number;
  private readonly random: RandomSource;

  /** @param options - see {@link ExponentialBackoffOptions} */
  constructor(options: ExponentialBackoffOptions = {}) {
    this.initial = requireNonNegative('initialDelayMs', options.initialDelayMs ?? 1000);
    this.factor = requireNonNegative('factor', options.factor ?? 2);
    this.max = requireNonNegative('maxDelayMs', options.maxDelayMs ?? 8000);
    const jitter = options.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be within [0, 1] (got ${jitter})`);
    this.jitter = jitter;
    this.random = options.random ?? Math.random;
  }

  delay(attempt: number, _previousDelayMs = 0): number {
    const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
    let d = this.initial * this.factor ** n;
    if (this.jitter > 0) d *= 1 - this.jitter + 2 * this.jitter * unitRandom(this.random);
    return clampDelay(d, this.max);
  }

  describe(): Readonly<Record<string, unknown>> {
    return {
      type: 'exponential',
      initialDelayMs: this.initial,
      factor: this.factor,
      maxDelayMs: this.max,
      jitter: this.jitter,
    };
  }
}

/** Shorthand for `new ExponentialBackoff(options)`. */
export function exponentialBackoff(options?: ExponentialBackoffOptions): ExponentialBackoff {
  return new ExponentialBackoff(options);
}
