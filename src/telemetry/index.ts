/**
 * Telemetry: Prometheus metrics fed by engine events, and OpenTelemetry spans.
 * @packageDocumentation
 */
export { CounterCells } from './counter-cells.js';
export * as genAiConventions from './genai-conventions.js';
export {
  type GenAiMetrics,
  type GenAiModelInfo,
  type GenAiModelLookup,
  type GenAiOperation,
  OPERATION_DURATION_BUCKETS,
  registerGenAiMetrics,
  TOKEN_USAGE_BUCKETS,
} from './genai-metrics.js';
export { LabelGuard } from './label-guard.js';
export {
  createMetrics,
  type GatewayMetrics,
  type MetricsGaugeSource,
  type MetricsOptions,
} from './metrics.js';
export {
  RequestTimeline,
  type RequestTimelineOptions,
  type RequestTimelinePoint,
} from './request-timeline.js';
export {
  BREAKER_STATE_LABELS,
  breakerStateLabel,
  HEALTH_STATUS_LABELS,
  healthStatusLabel,
} from './state-labels.js';
export {
  createTracing,
  type LazyAttributes,
  type RequestSpan,
  type RequestTracing,
  type TracingOptions,
} from './tracing.js';
