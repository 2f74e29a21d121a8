/**
 * Everything the engine holds per model: its spec, provider, and the core policies its calls run
 * through (breaker, retry, bulkhead, attempt timeout, hedge). Built once per compiled config; breaker and
 * health state carry over a hot reload.
 * @packageDocumentation
 */
import type { Backoff } from '../core/backoff/backoff.js';
import type { CircuitBreaker } from '../core/breaker/circuit-breaker.js';
import type { BulkheadPolicy } from '../core/bulkhead.js';
import type { HedgePolicy } from '../core/hedge.js';
import type { RetryPolicy } from '../core/retry.js';
import type { TimeoutPolicy } from '../core/timeout.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { ModelSpec } from '../models/model-spec.js';
import type { Provider } from '../providers/types.js';
import type { PlannableModel } from './planner.js';
import type { ThrottleWindow } from './throttle-window.js';

/** Retry settings shared by every model (per-model `maxRetries` comes from the spec). */
export interface RetrySettings {
  /** Backoff for transient, timeout and malformed failures. */
  readonly backoff: Backoff;
  /** Backoff for throttled failures without a server-advised delay. */
  readonly throttledBackoff: Backoff;
  /** Upper bound of a server-advised delay (ms). */
  readonly maxRetryAfterMs: number;
  /**
   * When another candidate is left and the next retry would wait longer than this (ms), the engine moves
   * on instead of waiting. A refused connection always moves on at once.
   */
  readonly fallbackInsteadOfWaitMs: number;
}

/** Hedging settings. */
export interface HedgeSettings {
  /** Hedging is configured on (the per-request `hedging` feature must be on too). */
  readonly enabled: boolean;
  /** Latency percentile of the first candidate after which the hedge starts (50, 95 or 99). */
  readonly percentile: number;
  /** Never hedge sooner than this (ms). */
  readonly minDelayMs: number;
}

/** One model, ready to call. */
export interface CompiledModel {
  readonly spec: ModelSpec;
  readonly plannable: PlannableModel;
  readonly provider: Provider;
  readonly breaker: CircuitBreaker;
  /** The per-attempt total timeout (non-streaming calls). */
  readonly timeout: TimeoutPolicy;
  /** Retries of this model's attempts (`maxRetries` from the spec; the shared budget). */
  readonly retry: RetryPolicy;
  /**
   * Calls to this model in flight at once (`maxConcurrent`, else `resilience.maxConcurrentRequests`);
   * the excess is shed, never queued.
   */
  readonly bulkhead: BulkheadPolicy;
  /** Hedges from this model to the next candidate (when hedging is configured on). */
  readonly hedge: HedgePolicy | undefined;
  /**
   * Set when the model answers "throttled" with a server-advised delay (or another instance reports
   * one): no attempt calls the model before it ends. Carries over a hot reload.
   */
  readonly throttle: ThrottleWindow;
}

/** The hedge delay for a model: its latency percentile, at least the configured minimum. */
export function hedgeDelay(health: HealthMonitor, settings: HedgeSettings, model: string): number {
  const h = health.health(model);
  const p =
    settings.percentile >= 99 ? h?.latencyP99 : settings.percentile >= 95 ? h?.latencyP95 : h?.latencyP50;
  return Math.max(settings.minDelayMs, p ?? 0);
}

/** Builds the planner's view of a model spec. */
export function plannableOf(spec: ModelSpec, providerName: string): PlannableModel {
  return {
    id: spec.id,
    provider: spec.provider,
    providerName,
    capabilities: spec.capabilities,
    contextWindow: spec.contextWindow,
    fallbacks: spec.fallbacks,
    cost: spec.cost?.output ?? 0,
  };
}

/** A provider name for data restrictions: the base URL's host for HTTP providers, else the kind. */
export function providerNameOf(spec: ModelSpec): string {
  if (!spec.baseURL) return spec.provider;
  try {
    return new URL(spec.baseURL).hostname;
  } catch {
    return spec.provider;
  }
}
