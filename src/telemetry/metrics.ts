/**
 * Prometheus metrics for the engine's events (prom-client). Subscribe {@link GatewayMetrics.observe} to
 * the engine's events and serve {@link GatewayMetrics.render} on `GET /metrics`.
 *
 * Metric names (with the default `hive_` prefix):
 * - `hive_requests_total{model,outcome,stream}`: finished requests; `model` is the model that served it,
 *   or `none` when nothing did (see `hive_chain_exhausted_total`).
 * - `hive_request_duration_seconds{model}` and `hive_ttft_seconds{model}`: histograms.
 * - `hive_breaker_state{model,state}`: one series per state (`closed`, `half_open`, `open`, `isolated`,
 *   `disabled`), `1` for the current one and `0` for the others.
 * - `hive_breaker_transitions_total{model,to}`.
 * - `hive_health_status{model,status}`: one series per status (`healthy`, `degraded`, `failed`), `1` for the
 *   current one; `hive_health_score{model}` (0..1).
 * - the GenAI metrics of `genai-metrics.ts` (`gen_ai_client_token_usage`,
 *   `gen_ai_client_operation_duration_seconds`, `hive_tokens_total`, `hive_cost_total`), fed by
 *   {@link GatewayMetrics.recordOperation}.
 * - `hive_fallbacks_total{from,to,substitution}`, `hive_retries_total{model,kind}`,
 *   `hive_retry_giveups_total{model}`, `hive_chain_exhausted_total{target}`,
 *   `hive_probes_total{model,outcome}`, `hive_retry_budget_tokens`.
 *
 * Label values are model ids, chain/alias names and outcome kinds only; each label is capped by a
 * {@link LabelGuard} so an unexpected value can never explode cardinality.
 * @packageDocumentation
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { EngineEvent, FallbackEvent } from '../engine/events.js';
import { type CounterCell, CounterCells } from './counter-cells.js';
import { type GenAiModelLookup, type GenAiOperation, registerGenAiMetrics } from './genai-metrics.js';
import { LabelGuard } from './label-guard.js';
import { ModelHistogram } from './model-histogram.js';
import {
  BREAKER_STATE_LABELS,
  breakerStateLabel,
  HEALTH_STATUS_LABELS,
  healthStatusLabel,
} from './state-labels.js';

/** Live state pulled at scrape time. */
export interface MetricsGaugeSource {
  /** Current breaker state per model. */
  breakers(): ReadonlyArray<{ readonly model: string; readonly state: string }>;
  /** Current health per model; `score` is 0..1. */
  health(): ReadonlyArray<{ readonly model: string; readonly status: string; readonly score: number }>;
  /** Tokens left in the shared retry budget, when there is one. */
  retryBudget?(): number;
}

/** Options for {@link createMetrics}. */
export interface MetricsOptions {
  /** Registry to register in (a fresh one by default). */
  readonly registry?: Registry;
  /** Metric name prefix; default `hive_`. */
  readonly prefix?: string;
  /** Also export Node process metrics (`collectDefaultMetrics`); default false. */
  readonly defaultMetrics?: boolean;
  /** Distinct values per label before folding into `other`; default 500. */
  readonly maxLabelValues?: number;
  /** Histogram buckets in seconds for request duration. */
  readonly durationBuckets?: readonly number[];
  /** Histogram buckets in seconds for time to first token. */
  readonly ttftBuckets?: readonly number[];
}

/** What {@link createMetrics} returns; also what the HTTP server needs for `GET /metrics`. */
export interface GatewayMetrics {
  /** The registry holding every metric. */
  readonly registry: Registry;
  /** `Content-Type` for the exposition format. */
  readonly contentType: string;
  /** Records one engine event: O(1), never throws for a well-formed event. */
  observe(event: EngineEvent): void;
  /** Sets (or clears) the source of breaker/health/budget gauges read at scrape time. */
  setGaugeSource(source: MetricsGaugeSource | undefined): void;
  /** Records one finished GenAI operation (tokens, cost, duration) for the `gen_ai_*` metrics. */
  recordOperation(operation: GenAiOperation): void;
  /** Sets how model ids map to providers and prices for {@link GatewayMetrics.recordOperation}. */
  setModelLookup(lookup: GenAiModelLookup | undefined): void;
  /** The exposition text. */
  render(): Promise<string>;
}

const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const DEFAULT_TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/** Creates the gateway's metrics in `options.registry` (or a new registry). */
export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'hive_';
  const limit = options.maxLabelValues ?? 500;
  const models = new LabelGuard(limit);
  const targets = new LabelGuard(limit);
  let source: MetricsGaugeSource | undefined;
  // Event-derived fallbacks for the gauges when no source is set.
  const lastBreaker = new Map<string, string>();
  const lastHealth = new Map<string, string>();

  function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): CounterCells<L> {
    let cells: CounterCells<L> | undefined;
    const metric: Counter<L> = new Counter<L>({
      name: p + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        cells?.flush();
      },
    });
    cells = new CounterCells(metric, labelNames);
    return cells;
  }

  const requests = counter('requests_total', 'Finished requests by serving model, outcome and streaming.', [
    'model',
    'outcome',
    'stream',
  ] as const);
  const transitions = counter('breaker_transitions_total', 'Circuit breaker transitions by target state.', [
    'model',
    'to',
  ] as const);
  const fallbacks = counter('fallbacks_total', 'Moves from one candidate model to the next.', [
    'from',
    'to',
    'substitution',
  ] as const);
  const retries = counter('retries_total', 'Scheduled retries by model and failure kind.', [
    'model',
    'kind',
  ] as const);
  const giveups = counter('retry_giveups_total', 'Models whose retries were exhausted within a request.', [
    'model',
  ] as const);
  const exhausted = counter('chain_exhausted_total', 'Requests for which every candidate failed.', [
    'target',
  ] as const);
  const probes = counter('probes_total', 'Active health probes by model and outcome.', [
    'model',
    'outcome',
  ] as const);

  // Hand-rolled (see model-histogram.ts): prom-client's observe hashes labels on every call.
  const duration = new ModelHistogram(
    p + 'request_duration_seconds',
    'Request duration in seconds by serving model.',
    'model',
    options.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
  ).register(registry);
  const ttft = new ModelHistogram(
    p + 'ttft_seconds',
    'Time to first streamed token in seconds by serving model.',
    'model',
    options.ttftBuckets ?? DEFAULT_TTFT_BUCKETS,
  ).register(registry);

  new Gauge({
    name: p + 'breaker_state',
    help: 'Circuit breaker state: 1 on the series whose state label is the current state, 0 on the others.',
    labelNames: ['model', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const put = (model: string, current: string): void => {
        for (const state of BREAKER_STATE_LABELS) this.set({ model, state }, state === current ? 1 : 0);
        if (current === 'other') this.set({ model, state: 'other' }, 1);
      };
      if (source) for (const b of source.breakers()) put(models.map(b.model), breakerStateLabel(b.state));
      else for (const [model, state] of lastBreaker) put(model, state);
    },
  });
  new Gauge({
    name: p + 'health_status',
    help: 'Model health status: 1 on the series whose status label is the current status, 0 on the others.',
    labelNames: ['model', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const put = (model: string, current: string): void => {
        for (const status of HEALTH_STATUS_LABELS) this.set({ model, status }, status === current ? 1 : 0);
        if (current === 'other') this.set({ model, status: 'other' }, 1);
      };
      if (source) for (const h of source.health()) put(models.map(h.model), healthStatusLabel(h.status));
      else for (const [model, status] of lastHealth) put(model, status);
    },
  });
  new Gauge({
    name: p + 'health_score',
    help: 'Model health score from 0 (failing) to 1 (healthy).',
    labelNames: ['model'] as const,
    registers: [registry],
    collect() {
      this.reset();
      if (source) for (const h of source.health()) this.set({ model: models.map(h.model) }, h.score);
    },
  });
  new Gauge({
    name: p + 'retry_budget_tokens',
    help: 'Tokens left in the shared retry budget.',
    registers: [registry],
    collect() {
      const tokens = source?.retryBudget?.();
      if (tokens !== undefined) this.set(tokens);
    },
  });

  const genAi = registerGenAiMetrics(registry, p, limit);

  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: p });

  // An outage repeats one fallback (same pair) on every request: its series is kept, not looked up again.
  let lastFallback: { from: string; to: string; substitution: boolean; cell: CounterCell } | undefined;
  function fallbackCell(event: FallbackEvent): CounterCell {
    const last = lastFallback;
    if (
      last !== undefined &&
      last.from === event.from &&
      last.to === event.to &&
      last.substitution === event.substitution
    )
      return last.cell;
    const { from, to, substitution } = event;
    const cell = fallbacks.cell([models.map(from), models.map(to), substitution ? 'true' : 'false']);
    lastFallback = { from, to, substitution, cell };
    return cell;
  }

  function observe(event: EngineEvent): void {
    switch (event.type) {
      case 'request.completed': {
        const model = event.model === undefined ? 'none' : models.map(event.model);
        requests.add([model, event.outcome, event.stream ? 'true' : 'false']);
        duration.child(model).observe(event.latencyMs / 1000);
        if (event.ttftMs !== undefined) ttft.child(model).observe(event.ttftMs / 1000);
        return;
      }
      case 'breaker.state_changed': {
        const model = models.map(event.model);
        transitions.add([model, breakerStateLabel(event.to)]);
        lastBreaker.set(model, breakerStateLabel(event.to));
        return;
      }
      case 'health.status_changed': {
        lastHealth.set(models.map(event.model), healthStatusLabel(event.to));
        return;
      }
      case 'request.fallback':
        fallbackCell(event).pending++;
        return;
      case 'retry.scheduled':
        retries.add([models.map(event.model), event.kind]);
        return;
      case 'retry.gave_up':
        giveups.add([models.map(event.model)]);
        return;
      case 'request.exhausted':
        exhausted.add([targets.map(event.target)]);
        return;
      case 'probe.completed':
        probes.add([models.map(event.model), event.kind]);
        return;
    }
  }

  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    observe,
    setGaugeSource(next) {
      source = next;
    },
    recordOperation: genAi.record,
    setModelLookup: genAi.setModelLookup,
    render: () => registry.metrics(),
  };
}
