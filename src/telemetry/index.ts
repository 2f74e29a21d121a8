/**
 * Telemetry: Prometheus metrics fed by engine events, and OpenTelemetry spans.
 * @packageDocumentation
 */
export { CounterCells } from './counter-cells.js';
export { LabelGuard } from './label-guard.js';
export {
  createMetrics,
  type GatewayMetrics,
  type MetricsGaugeSource,
  type MetricsOptions,
} from './metrics.js';
export { breakerStateCode, breakerStateLabel, healthStatusCode } from './state-codes.js';
export {
  createTracing,
  type LazyAttributes,
  type RequestSpan,
  type RequestTracing,
  type TracingOptions,
} from './tracing.js';
