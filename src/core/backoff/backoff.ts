/**
 * The backoff contract shared by every delay strategy.
 * @packageDocumentation
 */

/** A source of uniformly distributed numbers in [0, 1). Inject a seeded one for determinism. */
export type RandomSource = () => number;

/** A stateless delay strategy: no allocation, safe to share between policies and calls. */
export interface Backoff {
  /**
   * The delay before retry number `attempt` (0 = the delay before the first retry).
   * @param previousDelayMs - the previous delay returned for this call (0 before the first retry);
   *   used by decorrelated jitter.
   * @returns a finite delay in `[0, maxDelayMs]`, never NaN.
   */
  delay(attempt: number, previousDelayMs: number): number;
  /** A description for `describe()`. */
  describe(): Readonly<Record<string, unknown>>;
}

/** Clamps any number to a finite delay in `[0, max]`: NaN and -∞ become 0, +∞ becomes `max`. */
export function clampDelay(ms: number, max: number): number {
  const cap = Number.isFinite(max) && max >= 0 ? max : 0;
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, cap);
}

/** Reads a random number from `random`, coercing anything outside [0, 1) into it. */
export function unitRandom(random: RandomSource): number {
  const r = random();
  if (!(r >= 0)) return 0;
  return r >= 1 ? 0.999_999_999 : r;
}

/** Validates a non-negative finite option, naming the field on failure. */
export function requireNonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0 (got ${String(value)})`);
  }
  return value;
}
