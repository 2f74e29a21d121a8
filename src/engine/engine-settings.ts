/**
 * The engine's timing settings read from a validated config: breaker defaults for every model and the
 * retry timing (backoff, throttled backoff, the longest server-advised wait honoured, when to fall back
 * instead of waiting). Options passed in code override the config's values.
 * @packageDocumentation
 */
import type { HiveConfig } from '../config/schema.js';
import { ExponentialBackoff } from '../core/backoff/exponential.js';
import type { BreakerDefaults } from './compiled-config.js';
import type { RetrySettings } from './compiled-model.js';

/** Breaker timing for every model: `resilience.breaker`, then `overrides`. */
export function breakerDefaultsFrom(
  config: HiveConfig,
  overrides: Partial<BreakerDefaults> | undefined,
): BreakerDefaults {
  const b = config.resilience.breaker;
  return {
    openDurationMs: b.openDuration,
    maxOpenDurationMs: b.maxOpenDuration,
    halfOpenProbes: b.halfOpenProbes,
    probeLeaseMs: b.probeLease,
    ...overrides,
  };
}

/** Retry timing: `resilience.retry` (exponential backoff, factor 2, with jitter), then `overrides`. */
export function retrySettingsFrom(
  config: HiveConfig,
  overrides: Partial<RetrySettings> | undefined,
): RetrySettings {
  const r = config.resilience.retry;
  return {
    backoff: new ExponentialBackoff({
      initialDelayMs: r.baseDelay,
      factor: 2,
      maxDelayMs: r.maxDelay,
      jitter: r.jitter,
    }),
    throttledBackoff: new ExponentialBackoff({
      initialDelayMs: r.throttledBaseDelay,
      factor: 2,
      maxDelayMs: Math.max(r.maxDelay, r.throttledBaseDelay),
      jitter: r.jitter,
    }),
    maxRetryAfterMs: r.maxRetryAfter,
    fallbackInsteadOfWaitMs: r.fallbackInsteadOfWait,
    ...overrides,
  };
}
