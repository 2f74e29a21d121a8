/**
 * The health monitor: passive recording of every call, canary accuracy, status with hysteresis and
 * status-change events. See `model-tracker.ts` for the status rules.
 * @packageDocumentation
 */
import type { HealthConfig } from '../config/schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import { EventEmitter } from '../core/event-emitter.js';
import type { OutcomeKind } from '../core/outcome.js';
import { classifyForHealth, type HealthThresholds, ModelTracker } from './model-tracker.js';
import type {
  HealthState,
  HealthStatus,
  ModelHealth,
  ProbeResult,
  ProbeSuccessEvent,
  StatusChangeEvent,
  StatusChangeReason,
} from './types.js';
import { ResultClass } from './windowed-stats.js';

/** Options of a {@link HealthMonitor}; every field has a default. */
export interface HealthMonitorOptions {
  readonly clock?: Clock;
  /** Sliding window length (ms). Default 60 000. */
  readonly windowMs?: number;
  /** Buckets in the window. Default 10. */
  readonly buckets?: number;
  /** Consecutive failures that mark a model failed. Default 3 (BIP-03). */
  readonly failureThreshold?: number;
  /** Consecutive good results needed to leave failed/degraded. Default 3. */
  readonly recoveryThreshold?: number;
  /** Window error rate at which a model is degraded. Default 0.25. */
  readonly errorRateThreshold?: number;
  /** Results needed in the window before error rate or p95 can degrade a model. Default 10. */
  readonly minRequests?: number;
  /** p95 latency (ms) above which a model is degraded; also the score's latency scale. Default 10 000. */
  readonly latencyThresholdMs?: number;
  /** Canary accuracy below which a model is degraded. Default 0.8. */
  readonly accuracyThreshold?: number;
  /** Canary verdicts needed before accuracy can degrade a model. Default 3. */
  readonly minAccuracySamples?: number;
  /** Canary verdicts kept for accuracy. Default 20. */
  readonly accuracySamples?: number;
  /** Called when an event listener throws. */
  readonly onListenerError?: (error: unknown) => void;
}

/** Sees every call {@link HealthMonitor.record} records (not probes). */
export type OutcomeObserver = (modelId: string, kind: OutcomeKind) => void;

/**
 * Tracks every model's health. {@link HealthMonitor.record} is O(1) and allocation-free (a model's
 * tracker is created once, on first sight).
 */
export class HealthMonitor {
  /** Fires once for every status change. */
  readonly statusChanged: EventEmitter<StatusChangeEvent>;
  /** Fires for every successful, correct probe (hook for closing an open breaker early). */
  readonly probeSucceeded: EventEmitter<ProbeSuccessEvent>;
  private readonly clock: Clock;
  private readonly thresholds: HealthThresholds;
  private readonly trackers = new Map<string, ModelTracker>();
  private recordObserver: OutcomeObserver | undefined;
  private readonly sink = (
    tracker: ModelTracker,
    from: HealthStatus,
    to: HealthStatus,
    reason: StatusChangeReason,
  ) => {
    if (this.statusChanged.hasListeners) {
      this.statusChanged.emit({
        modelId: tracker.modelId,
        from,
        to,
        reason,
        at: new Date(this.clock.wallNow()),
      });
    }
  };

  /** @param models - ids to track from the start (others are added on first record) */
  constructor(options: HealthMonitorOptions = {}, models: Iterable<string> = []) {
    this.clock = options.clock ?? systemClock;
    this.thresholds = {
      windowMs: options.windowMs ?? 60_000,
      buckets: options.buckets ?? 10,
      failureThreshold: options.failureThreshold ?? 3,
      recoveryThreshold: options.recoveryThreshold ?? 3,
      errorRateThreshold: options.errorRateThreshold ?? 0.25,
      minRequests: options.minRequests ?? 10,
      latencyThresholdMs: options.latencyThresholdMs ?? 10_000,
      accuracyThreshold: options.accuracyThreshold ?? 0.8,
      minAccuracySamples: options.minAccuracySamples ?? 3,
      accuracySamples: options.accuracySamples ?? 20,
    };
    this.statusChanged = new EventEmitter(options.onListenerError);
    this.probeSucceeded = new EventEmitter(options.onListenerError);
    for (const id of models) this.track(id);
  }

  /** Starts tracking a model (idempotent). */
  track(modelId: string): void {
    this.tracker(modelId);
  }

  /** Stops tracking a model and forgets its state. */
  untrack(modelId: string): void {
    this.trackers.delete(modelId);
  }

  /** Keeps only the listed models (e.g. after a config reload); state of the others is dropped. */
  retain(modelIds: Iterable<string>): void {
    const keep = new Set(modelIds);
    for (const id of [...this.trackers.keys()]) if (!keep.has(id)) this.trackers.delete(id);
    for (const id of keep) this.track(id);
  }

  /** Length of the sliding window the rates and percentiles cover (ms). */
  get windowMs(): number {
    return this.thresholds.windowMs;
  }

  /** Ids of tracked models. */
  modelIds(): string[] {
    return [...this.trackers.keys()];
  }

  /**
   * Records one call. Neutral kinds (`aborted`, `request`, `rejected`) count as requests but neither as
   * success nor failure; `account` counts as a failure. Latency percentiles use successes and failures.
   * @param nowMs - the monitor clock's `now()` at the end of the call, when the caller already has it
   *   (saves a clock read on the hot path)
   */
  record(modelId: string, kind: OutcomeKind, latencyMs: number, ttftMs?: number, nowMs?: number): void {
    this.tracker(modelId).record(classifyForHealth(kind), latencyMs, ttftMs, nowMs ?? this.clock.now());
    this.recordObserver?.(modelId, kind);
  }

  /**
   * Sets the one observer of recorded calls (e.g. the shared outcome counts of several instances), or
   * removes it with `undefined`. It runs synchronously on the hot path: it must be O(1) and never throw.
   */
  observeRecords(observer: OutcomeObserver | undefined): void {
    this.recordObserver = observer;
  }

  /**
   * Records an active probe. A canary answered wrongly (`correct === false`) counts as a failure and
   * lowers accuracy; a successful, correct probe fires {@link HealthMonitor.probeSucceeded}.
   */
  recordProbe(modelId: string, result: ProbeResult): void {
    const tracker = this.tracker(modelId);
    if (result.correct !== undefined && result.kind === 'success') tracker.recordCanary(result.correct);
    const cls = result.correct === false ? ResultClass.failure : classifyForHealth(result.kind);
    tracker.record(cls, result.latencyMs, undefined, this.clock.now());
    if (cls === ResultClass.success && this.probeSucceeded.hasListeners) {
      this.probeSucceeded.emit({ modelId, latencyMs: result.latencyMs, at: new Date(this.clock.wallNow()) });
    }
  }

  /** Current status (window expiry and p95 applied); `healthy` for an unknown model. */
  status(modelId: string): HealthStatus {
    const tracker = this.trackers.get(modelId);
    if (!tracker) return 'healthy';
    tracker.refresh(this.clock.now());
    return tracker.status;
  }

  /** Re-evaluates every model against the current time (window expiry and p95). */
  evaluate(): void {
    const now = this.clock.now();
    for (const tracker of this.trackers.values()) tracker.refresh(now);
  }

  /** A snapshot of one model, or `undefined` when it is not tracked. */
  health(modelId: string): ModelHealth | undefined {
    const tracker = this.trackers.get(modelId);
    return tracker ? this.snapshot(tracker) : undefined;
  }

  /** Snapshots of every tracked model. */
  all(): ModelHealth[] {
    return [...this.trackers.values()].map((t) => this.snapshot(t));
  }

  /** The 0..1 score of a model (1 for an unknown model); see {@link ModelHealth.score}. */
  score(modelId: string): number {
    return this.health(modelId)?.score ?? 1;
  }

  /** Serialisable per-model state (status, counters, canary verdicts, last check). */
  toJSON(): HealthState {
    const models: Record<string, HealthState['models'][string]> = {};
    const now = this.clock.now();
    const wall = this.clock.wallNow();
    for (const [id, t] of this.trackers) {
      models[id] = {
        status: t.status,
        consecutiveFailures: t.consecutiveFailures,
        consecutiveSuccesses: t.consecutiveSuccesses,
        canaries: t.canaryHistory(),
        responseTime: t.responseTime,
        lastChecked: wall - (now - t.lastCheckedMono),
      };
    }
    return { version: 1, models };
  }

  /** Restores state saved by {@link HealthMonitor.toJSON}; a status change fires with reason `hydrated`. */
  hydrate(state: HealthState): void {
    if (state?.version !== 1) return;
    const now = this.clock.now();
    const wall = this.clock.wallNow();
    for (const [id, s] of Object.entries(state.models)) {
      const t = this.tracker(id);
      t.consecutiveFailures = s.consecutiveFailures;
      t.consecutiveSuccesses = s.consecutiveSuccesses;
      t.responseTime = s.responseTime;
      t.lastCheckedMono = now - Math.max(0, wall - s.lastChecked);
      for (const verdict of s.canaries) t.recordCanary(verdict);
      t.setStatus(s.status, 'hydrated');
    }
  }

  private tracker(modelId: string): ModelTracker {
    let tracker = this.trackers.get(modelId);
    if (tracker === undefined) {
      tracker = new ModelTracker(modelId, this.thresholds, this.sink, this.clock.now());
      this.trackers.set(modelId, tracker);
    }
    return tracker;
  }

  private snapshot(t: ModelTracker): ModelHealth {
    const now = this.clock.now();
    t.refresh(now);
    const s = t.stats;
    const judged = s.successes + s.failures;
    const errorRate = judged === 0 ? 0 : s.failures / judged;
    const availability = t.status === 'failed' ? 0 : judged === 0 ? 1 : s.successes / judged;
    const p95 = s.latencyQuantile(0.95);
    const latencyFactor = p95 === undefined ? 1 : 1 / (1 + p95 / this.thresholds.latencyThresholdMs);
    const accuracy = t.accuracy;
    return {
      modelId: t.modelId,
      status: t.status,
      responseTime: t.responseTime,
      lastChecked: new Date(this.clock.wallNow() - (now - t.lastCheckedMono)),
      consecutiveFailures: t.consecutiveFailures,
      consecutiveSuccesses: t.consecutiveSuccesses,
      errorRate,
      availability,
      accuracy,
      accuracySamples: t.canaryCount,
      latencyP50: s.latencyQuantile(0.5),
      latencyP95: p95,
      latencyP99: s.latencyQuantile(0.99),
      ttftP50: s.ttftQuantile(0.5),
      ttftP95: s.ttftQuantile(0.95),
      requests: judged + s.neutral,
      successes: s.successes,
      failures: s.failures,
      score: t.status === 'failed' ? 0 : availability * latencyFactor * accuracy,
    };
  }
}

/** Maps the config's `health` section (durations already in ms) to monitor options. */
export function healthMonitorOptionsFromConfig(
  health: HealthConfig,
  clock?: Clock,
): HealthMonitorOptions & { readonly probeTimeoutMs: number; readonly probeConcurrency: number } {
  return {
    clock,
    windowMs: health.window,
    buckets: health.buckets,
    failureThreshold: health.failureThreshold,
    recoveryThreshold: health.recoveryThreshold,
    errorRateThreshold: health.errorRateThreshold,
    minRequests: health.minRequests,
    latencyThresholdMs: health.latencyThreshold,
    accuracyThreshold: health.accuracyThreshold,
    probeTimeoutMs: health.probeTimeout,
    probeConcurrency: health.probeConcurrency,
  };
}
