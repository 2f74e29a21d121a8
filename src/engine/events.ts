/**
 * Typed events the engine (and the layers above it) emit. The engine never calls the audit log, metrics,
 * alerting or the server: they subscribe to these.
 * @packageDocumentation
 */
import type { FailureKind, OutcomeKind } from '../core/outcome.js';

/** One attempt in a request's trail. */
export interface AttemptRecord {
  /** Canonical model id. */
  readonly model: string;
  /** How this attempt ended. */
  readonly kind: OutcomeKind;
  /** Milliseconds the attempt took (0 when skipped without calling). */
  readonly latencyMs: number;
  /** Retries spent on this model inside the attempt. */
  readonly retries: number;
  /**
   * Why the engine moved on (or `'served'`): e.g. `'breaker_open'`, `'transient'`, `'timeout'`,
   * `'context_length'`, `'restricted'`, `'deadline'`.
   */
  readonly note: string;
}

/** A model's breaker changed state. */
export interface BreakerStateChangedEvent {
  readonly type: 'breaker.state_changed';
  readonly model: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly at: number;
}

/** A model's health status changed. */
export interface HealthStatusChangedEvent {
  readonly type: 'health.status_changed';
  readonly model: string;
  readonly from: 'healthy' | 'degraded' | 'failed';
  readonly to: 'healthy' | 'degraded' | 'failed';
  readonly reason: string;
  readonly at: number;
}

/** A request moved from one model to the next candidate. */
export interface FallbackEvent {
  readonly type: 'request.fallback';
  readonly requestId: string;
  readonly target: string;
  readonly from: string;
  readonly to: string;
  /** Why `from` was left. */
  readonly reason: string;
  /** True when `to` came from capability-based substitution rather than a configured chain. */
  readonly substitution: boolean;
  readonly at: number;
}

/** A model's retries were exhausted inside one request. */
export interface RetryGaveUpEvent {
  readonly type: 'retry.gave_up';
  readonly requestId: string;
  readonly model: string;
  readonly attempts: number;
  readonly kind: FailureKind;
  readonly at: number;
}

/** A retry is about to happen. */
export interface RetryScheduledEvent {
  readonly type: 'retry.scheduled';
  readonly requestId: string;
  readonly model: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly kind: FailureKind;
  readonly at: number;
}

/** Every candidate failed or was skipped. */
export interface ChainExhaustedEvent {
  readonly type: 'request.exhausted';
  readonly requestId: string;
  readonly target: string;
  readonly trail: readonly AttemptRecord[];
  readonly at: number;
}

/** A request finished (either way). */
export interface RequestCompletedEvent {
  readonly type: 'request.completed';
  readonly requestId: string;
  readonly target: string;
  /** The model that served it, or undefined when nothing did. */
  readonly model: string | undefined;
  readonly outcome: OutcomeKind;
  readonly attempts: number;
  readonly fallback: boolean;
  readonly stream: boolean;
  readonly latencyMs: number;
  readonly ttftMs: number | undefined;
  readonly at: number;
}

/** An active health probe finished. */
export interface ProbeEvent {
  readonly type: 'probe.completed';
  readonly model: string;
  readonly kind: OutcomeKind;
  readonly latencyMs: number;
  readonly correct: boolean | undefined;
  readonly at: number;
}

/**
 * The engine entered or left degraded mode: the share of models whose health status is `healthy` fell
 * below `resilience.degradedModeThreshold` percent (or rose back to it). While degraded, hedging is
 * suspended (a hedge doubles the load on a fleet that is already failing).
 */
export interface EngineModeChangedEvent {
  readonly type: 'engine.mode_changed';
  readonly degraded: boolean;
  /** Healthy models, percent of all configured models. */
  readonly healthyPercent: number;
  readonly threshold: number;
  readonly at: number;
}

/**
 * A model answered "throttled" with a server-advised delay (`Retry-After`): the engine does not call it
 * again before `until` (emitted when the window opens or grows).
 */
export interface ModelThrottledEvent {
  readonly type: 'model.throttled';
  readonly model: string;
  /** Wall-clock milliseconds at which the model may be called again. */
  readonly until: number;
  readonly at: number;
}

/** Everything the engine emits. */
export type EngineEvent =
  | EngineModeChangedEvent
  | BreakerStateChangedEvent
  | HealthStatusChangedEvent
  | FallbackEvent
  | RetryGaveUpEvent
  | RetryScheduledEvent
  | ChainExhaustedEvent
  | RequestCompletedEvent
  | ProbeEvent
  | ModelThrottledEvent;

/** The `type` strings of {@link EngineEvent}. */
export type EngineEventType = EngineEvent['type'];
