/**
 * Validated circuit-breaker settings, built once per breaker. See {@link resolveBreakerSettings}.
 * @packageDocumentation
 */
import { type CircuitBreakerOptions, checkNumber } from './breaker-options.js';
import { type CallWindow, CountWindow, TimeWindow } from './call-window.js';

/** The numeric limits of a breaker, defaults applied and range-checked. */
export type BreakerLimits = Required<
  Pick<
    CircuitBreakerOptions,
    | 'openDurationMs'
    | 'openBackoffFactor'
    | 'maxOpenDurationMs'
    | 'halfOpenProbes'
    | 'probeLeaseMs'
    | 'accountCooldownMs'
    | 'consecutiveFailures'
    | 'failureRateThreshold'
    | 'minimumCalls'
  >
>;

/** Everything a breaker derives from its options. */
export interface BreakerSettings {
  readonly limits: BreakerLimits;
  /** The sliding window (window mode); undefined in consecutive mode. */
  readonly window: CallWindow | undefined;
  readonly slowMs: number | undefined;
  readonly slowRate: number | undefined;
  readonly idleResetMs: number | undefined;
}

/**
 * Applies defaults and checks every option, throwing a `RangeError` that names the first one at fault.
 * @param options - see {@link CircuitBreakerOptions}
 */
export function resolveBreakerSettings(options: CircuitBreakerOptions): BreakerSettings {
  const limits: BreakerLimits = {
    openDurationMs: checkNumber('openDurationMs', options.openDurationMs ?? 30_000, 0),
    openBackoffFactor: checkNumber('openBackoffFactor', options.openBackoffFactor ?? 2, 1),
    maxOpenDurationMs: checkNumber('maxOpenDurationMs', options.maxOpenDurationMs ?? 300_000, 0),
    halfOpenProbes: checkNumber('halfOpenProbes', options.halfOpenProbes ?? 1, 1),
    probeLeaseMs: checkNumber('probeLeaseMs', options.probeLeaseMs ?? 30_000, 1),
    accountCooldownMs: checkNumber('accountCooldownMs', options.accountCooldownMs ?? 300_000, 0),
    consecutiveFailures: checkNumber('consecutiveFailures', options.consecutiveFailures ?? 5, 1),
    failureRateThreshold: checkNumber(
      'failureRateThreshold',
      options.failureRateThreshold ?? 0.5,
      0.000_001,
      1,
    ),
    minimumCalls: checkNumber('minimumCalls', options.minimumCalls ?? 10, 1),
  };
  const w = options.window;
  const window = w
    ? w.type === 'count'
      ? new CountWindow(w.size, options.idleResetMs)
      : new TimeWindow(w.durationMs, w.buckets)
    : undefined;
  const slowMs =
    options.slowCallDurationMs === undefined
      ? undefined
      : checkNumber('slowCallDurationMs', options.slowCallDurationMs, 0);
  const slowRate =
    options.slowCallRateThreshold === undefined
      ? undefined
      : checkNumber('slowCallRateThreshold', options.slowCallRateThreshold, 0.000_001, 1);
  if (slowRate !== undefined && slowMs === undefined) {
    throw new RangeError('circuitBreaker: slowCallRateThreshold needs slowCallDurationMs');
  }
  const idleResetMs =
    options.idleResetMs === undefined ? undefined : checkNumber('idleResetMs', options.idleResetMs, 0);
  return { limits, window, slowMs, slowRate, idleResetMs };
}

/** The `describe()` entry of a breaker with `name` and `settings`. */
export function describeBreaker(
  name: string | undefined,
  settings: BreakerSettings,
): { name: string; options: Readonly<Record<string, unknown>> } {
  return {
    name: 'circuitBreaker',
    options: {
      ...(name ? { name } : {}),
      mode: settings.window ? 'window' : 'consecutive',
      ...settings.limits,
      ...(settings.slowMs !== undefined
        ? { slowCallDurationMs: settings.slowMs, slowCallRateThreshold: settings.slowRate }
        : {}),
    },
  };
}
