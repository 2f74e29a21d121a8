/**
 * Health monitor: passive call statistics, active probes, status with hysteresis, health scores.
 * @packageDocumentation
 */
export { type CanaryMatcher, canaryCheck, compileExpectation, stripReasoning } from './canary.js';
export {
  HealthMonitor,
  type HealthMonitorOptions,
  healthMonitorOptionsFromConfig,
  type OutcomeObserver,
} from './health-monitor.js';
export {
  HealthProber,
  type HealthProberOptions,
  type ProbeClaim,
  type ProbeFunction,
} from './health-prober.js';
export {
  binValueMs,
  HISTOGRAM_BINS,
  histogramBin,
  histogramQuantile,
  LatencyHistogram,
} from './latency-histogram.js';
export { classifyForHealth, type HealthThresholds } from './model-tracker.js';
export type {
  HealthState,
  HealthStatus,
  ModelHealth,
  ModelHealthCheck,
  ModelHealthState,
  ProbeResult,
  ProbeSuccessEvent,
  StatusChangeEvent,
  StatusChangeReason,
} from './types.js';
