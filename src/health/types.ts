/**
 * Health monitor types: statuses, snapshots, events, probe results.
 * @packageDocumentation
 */
import type { OutcomeKind } from '../core/outcome.js';

/** A model's health status. */
export type HealthStatus = 'healthy' | 'degraded' | 'failed';

/** Why a status changed. */
export type StatusChangeReason =
  | 'consecutive_failures'
  | 'error_rate'
  | 'latency_p95'
  | 'accuracy'
  | 'recovered'
  | 'hydrated';

/** Emitted once for every status change. */
export interface StatusChangeEvent {
  readonly modelId: string;
  readonly from: HealthStatus;
  readonly to: HealthStatus;
  readonly reason: StatusChangeReason;
  /** Wall-clock time of the change. */
  readonly at: Date;
}

/** Emitted for every successful (and, for canaries, correct) probe: the engine may close an open breaker early. */
export interface ProbeSuccessEvent {
  readonly modelId: string;
  readonly latencyMs: number;
  readonly at: Date;
}

/** What an active probe reports. */
export interface ProbeResult {
  /** Outcome kind of the probe call. */
  readonly kind: OutcomeKind;
  /** How long the probe took. */
  readonly latencyMs: number;
  /** For canary probes: whether the answer matched the expectation. */
  readonly correct?: boolean;
}

/**
 * The proposal's `ModelHealthCheck` (BIP-03): `modelId, status, responseTime, lastChecked,
 * consecutiveFailures`.
 */
export interface ModelHealthCheck {
  readonly modelId: string;
  readonly status: HealthStatus;
  /** Latency of the most recent call or probe (ms); 0 before the first one. */
  readonly responseTime: number;
  /** When the model was last called or probed (creation time before that). */
  readonly lastChecked: Date;
  readonly consecutiveFailures: number;
}

/**
 * A model's health, read at one instant. Rates and percentiles cover the sliding window; accuracy
 * covers the last canary results.
 */
export interface ModelHealth extends ModelHealthCheck {
  readonly consecutiveSuccesses: number;
  /** failures / (successes + failures) in the window; 0 without data. */
  readonly errorRate: number;
  /** successes / (successes + failures) in the window (1 without data); 0 while `failed`. */
  readonly availability: number;
  /** Correct canary answers / canary answers among the last ones kept; 1 without canaries. */
  readonly accuracy: number;
  /** Canary answers behind {@link ModelHealth.accuracy}. */
  readonly accuracySamples: number;
  readonly latencyP50: number | undefined;
  readonly latencyP95: number | undefined;
  readonly latencyP99: number | undefined;
  readonly ttftP50: number | undefined;
  readonly ttftP95: number | undefined;
  /** Every recorded result in the window, neutral ones included. */
  readonly requests: number;
  readonly successes: number;
  readonly failures: number;
  /**
   * 0..1 ranking score: `0` when failed, else `availability × latencyFactor × accuracy` with
   * `latencyFactor = 1 / (1 + p95 / latencyThreshold)` (1 without latency data).
   */
  readonly score: number;
}

/** Serialisable per-model state (windows are not persisted: they describe the recent past only). */
export interface ModelHealthState {
  readonly status: HealthStatus;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** Last canary results, oldest first (`true` = correct). */
  readonly canaries: readonly boolean[];
  readonly responseTime: number;
  /** Wall-clock ms of the last check. */
  readonly lastChecked: number;
}

/** Serialisable state of a whole monitor. */
export interface HealthState {
  readonly version: 1;
  readonly models: Readonly<Record<string, ModelHealthState>>;
}
