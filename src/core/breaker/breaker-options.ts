/**
 * Options, states, events and the persisted snapshot of the circuit breaker.
 * @packageDocumentation
 */
import type { Clock } from '../clock.js';
import type { PolicyOptions } from '../policy-base.js';

/** The states of a breaker as seen from outside. */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated' | 'disabled';

/** Why a transition happened. */
export type TransitionReason =
  | 'consecutive-failures'
  | 'failure-rate'
  | 'slow-call-rate'
  | 'account-failure'
  | 'open-elapsed'
  | 'probe-failed'
  | 'probe-lease-expired'
  | 'probe-released'
  | 'probe-succeeded'
  | 'forced-close'
  | 'health-check-passed'
  | 'isolated'
  | 'isolation-ended'
  | 'disabled'
  | 'enabled'
  | 'hydrated';

/** Fired exactly once per transition. */
export interface StateChangeEvent {
  /** State before. */
  readonly from: CircuitState;
  /** State after. */
  readonly to: CircuitState;
  /** What caused it. */
  readonly reason: TransitionReason;
}

/** A sliding window of the last N calls. */
export interface CountWindowOptions {
  readonly type: 'count';
  /** Calls in the window. */
  readonly size: number;
}

/** A sliding window of the last `durationMs`. */
export interface TimeWindowOptions {
  readonly type: 'time';
  /** Window length in ms. */
  readonly durationMs: number;
  /** Buckets (resolution), default 10. */
  readonly buckets?: number;
}

/** Options of the circuit breaker. */
export interface CircuitBreakerOptions extends PolicyOptions {
  /**
   * Consecutive-failure mode (the default, with 5): opens when `consecutive failures >= this`.
   * Ignored when `window` is set.
   */
  readonly consecutiveFailures?: number;
  /** Sliding-window mode: rates over the last N calls or the last T ms. */
  readonly window?: CountWindowOptions | TimeWindowOptions;
  /** Window mode: opens when `failures / calls >= this` (inclusive), in (0, 1]. Default 0.5. */
  readonly failureRateThreshold?: number;
  /** Window mode: opens when `slow calls / calls >= this` (inclusive), in (0, 1]. Off by default. */
  readonly slowCallRateThreshold?: number;
  /** A call is slow when it takes strictly longer than this (ms). Required for the slow-call rate. */
  readonly slowCallDurationMs?: number;
  /** Window mode: no rate is evaluated until the window holds at least this many calls (default 10). */
  readonly minimumCalls?: number;
  /**
   * Consecutive and count modes: a gap without calls longer than this forgets past results (the time
   * window forgets by itself). Default: never.
   */
  readonly idleResetMs?: number;
  /** First open duration (default 30 000 ms). */
  readonly openDurationMs?: number;
  /** Each re-trip from half-open multiplies the open duration by this (default 2). */
  readonly openBackoffFactor?: number;
  /** Cap of the open duration (default 300 000 ms). */
  readonly maxOpenDurationMs?: number;
  /** Probes admitted in half-open; this many successes close the breaker (default 1). */
  readonly halfOpenProbes?: number;
  /** A probe's lease: past this, the probe counts as failed and the breaker re-opens (default 30 000 ms). */
  readonly probeLeaseMs?: number;
  /** An `account` failure opens the breaker at once for this long (default 300 000 ms = 5 min). */
  readonly accountCooldownMs?: number;
  /** Time source (default `systemClock`). */
  readonly clock?: Clock;
  /** A name for `describe()` and events. */
  readonly name?: string;
  /**
   * Metrics-only mode: the breaker records every outcome and keeps its statistics (read them through
   * `metrics`) but never opens, so it never rejects a call. Where it would have opened it counts
   * `wouldHaveOpened` and starts counting afresh. For trying thresholds on live traffic.
   */
  readonly metricsOnly?: boolean;
  /**
   * A health check run while the breaker is open or half-open, on a background timer: a passing check
   * closes it (reason `health-check-passed`); a failing or throwing one leaves it as it is. Isolation
   * and `disable()` are kept (only releasing them ends them).
   */
  readonly healthCheck?: BreakerHealthCheck;
}

/** See {@link CircuitBreakerOptions.healthCheck}. */
export interface BreakerHealthCheck {
  /** Resolves true when the protected resource is healthy again. */
  readonly check: () => boolean | Promise<boolean>;
  /** Time between checks while the breaker is open (ms, > 0). */
  readonly intervalMs: number;
}

/** A read-only view of a breaker's counts and rates (see `CircuitBreaker.metrics`). */
export interface BreakerMetrics {
  readonly state: CircuitState;
  /** Consecutive failures counted now (consecutive mode; 0 in window mode). */
  readonly consecutiveFailures: number;
  /** Calls in the window (window mode; undefined in consecutive mode). */
  readonly calls: number | undefined;
  /** Failures in the window (window mode). */
  readonly failures: number | undefined;
  /** Slow calls in the window (window mode). */
  readonly slowCalls: number | undefined;
  /** `failures / calls` (window mode, 0 with no calls). */
  readonly failureRate: number | undefined;
  /** `slowCalls / calls` (window mode, 0 with no calls). */
  readonly slowCallRate: number | undefined;
  /** True in metrics-only mode. */
  readonly metricsOnly: boolean;
  /** Metrics-only mode: how many times the breaker would have opened. */
  readonly wouldHaveOpened: number;
}

/** A serialisable snapshot of a breaker (see `toJSON()` / `hydrate()`). */
export interface CircuitBreakerSnapshot {
  readonly version: 1;
  readonly state: CircuitState;
  /** Remaining open time when saved (open and half-open). */
  readonly openRemainingMs?: number;
  /** The current (grown) open duration. */
  readonly openDurationMs: number;
  /** Consecutive failures counted in closed state. */
  readonly consecutiveFailures: number;
  /** Wall time of the snapshot, so a later hydrate can subtract the elapsed time. */
  readonly savedAtWallMs: number;
}

/** Checks an option is a finite number within bounds, naming it on failure. */
export function checkNumber(
  name: string,
  value: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(
      `circuitBreaker: ${name} must be a number in [${min}, ${max}] (got ${String(value)})`,
    );
  }
  return value;
}

/** Every breaker state, in the order of the state machine's codes. */
export const CIRCUIT_STATES: readonly CircuitState[] = [
  'closed',
  'open',
  'half-open',
  'isolated',
  'disabled',
];

/** Validates untrusted JSON as a {@link CircuitBreakerSnapshot}. */
export function parseSnapshot(json: unknown): CircuitBreakerSnapshot {
  if (typeof json !== 'object' || json === null) throw new TypeError('breaker snapshot must be an object');
  const s = json as Record<string, unknown>;
  if (s['version'] !== 1)
    throw new TypeError(`breaker snapshot: unsupported version ${String(s['version'])}`);
  if (!CIRCUIT_STATES.includes(s['state'] as CircuitState)) {
    throw new TypeError(`breaker snapshot: unknown state ${String(s['state'])}`);
  }
  for (const k of ['openDurationMs', 'consecutiveFailures', 'savedAtWallMs'] as const) {
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k]))
      throw new TypeError(`breaker snapshot: ${k} must be a number`);
  }
  if (s['openRemainingMs'] !== undefined && typeof s['openRemainingMs'] !== 'number') {
    throw new TypeError('breaker snapshot: openRemainingMs must be a number');
  }
  return s as unknown as CircuitBreakerSnapshot;
}
