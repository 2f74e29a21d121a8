/**
 * GenAI client metrics after the OpenTelemetry GenAI semantic conventions, in Prometheus form, plus token
 * and estimated-cost counters per model and per client key:
 * - `gen_ai_client_token_usage{gen_ai_operation_name,gen_ai_provider_name,gen_ai_request_model,gen_ai_response_model,gen_ai_token_type}`
 *   (histogram of tokens per operation, the convention's advised buckets);
 * - `gen_ai_client_operation_duration_seconds{…,error_type}` (histogram; `error_type` is the outcome kind
 *   of a failed operation, empty on success);
 * - `<prefix>tokens_total{model,client,type}` and `<prefix>cost_total{model,client}` (the config's
 *   per-model `cost`, price per 1 000 tokens, in the config's currency).
 * @packageDocumentation
 */
import { Counter, type Registry } from 'prom-client';
import { type CounterCell, CounterCells } from './counter-cells.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  prometheusName,
} from './genai-conventions.js';
import { LabelGuard } from './label-guard.js';
import { LabelledHistogram } from './labelled-histogram.js';
import type { HistogramSeries } from './model-histogram.js';

/** One finished GenAI operation as the gateway saw it. */
export interface GenAiOperation {
  /** `chat` or `embeddings`. */
  readonly operation: string;
  /** What the caller asked for (a model, alias, chain or route). */
  readonly requestModel: string;
  /** The model id that answered; undefined when none did. */
  readonly responseModel: string | undefined;
  /** The client key's name; undefined without client keys. */
  readonly client: string | undefined;
  /** Prompt tokens the answer reported. */
  readonly inputTokens: number | undefined;
  /** Completion tokens the answer reported. */
  readonly outputTokens: number | undefined;
  /** Wall time of the operation. */
  readonly durationMs: number;
  /** The failure kind when it failed. */
  readonly errorType: string | undefined;
}

/** What telemetry needs to know about a model id: its provider and its configured price. */
export interface GenAiModelInfo {
  /** Provider kind (`openai`, `anthropic`, `simulated`), used as `gen_ai.provider.name`. */
  readonly provider: string;
  /** Price per 1 000 tokens, when configured. */
  readonly cost?: { readonly input: number; readonly output: number } | undefined;
}

/** Looks up a model id (undefined for an unknown id). */
export type GenAiModelLookup = (modelId: string) => GenAiModelInfo | undefined;

/** The recorder {@link registerGenAiMetrics} returns. */
export interface GenAiMetrics {
  /** Records one operation: histograms, token and cost counters. */
  record(op: GenAiOperation): void;
  /** Sets how model ids map to providers and prices (the gateway sets it from the running config). */
  setModelLookup(lookup: GenAiModelLookup | undefined): void;
}

/** The series and counter cells one kind of operation records into (see `record`). */
interface OperationSink {
  readonly operation: string;
  readonly responseModel: string | undefined;
  readonly client: string | undefined;
  readonly errorType: string | undefined;
  /** The two histograms' epochs summed when found: a reset of either makes the sink stale. */
  readonly epoch: number;
  readonly duration: HistogramSeries;
  /** Operation, provider, request model and response model labels (the token histogram's first four). */
  readonly labels: readonly string[];
  /** The response model's label; undefined when no model answered. */
  readonly served: string | undefined;
  readonly clientLabel: string;
  readonly cost: { readonly input: number; readonly output: number } | undefined;
  /** Found when the first input (output) tokens are recorded: series appear once they have a value. */
  input: TokenSeries | undefined;
  output: TokenSeries | undefined;
  costCell: CounterCell | undefined;
}

/** Where one token type of a kind of operation is counted. */
interface TokenSeries {
  readonly usage: HistogramSeries;
  readonly total: CounterCell;
}

/** The conventions' advised bucket boundaries for `gen_ai.client.token.usage`. */
export const TOKEN_USAGE_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** The conventions' advised bucket boundaries for `gen_ai.client.operation.duration` (seconds). */
export const OPERATION_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

const OP = prometheusName(ATTR_GEN_AI_OPERATION_NAME);
const PROVIDER = prometheusName(ATTR_GEN_AI_PROVIDER_NAME);
const REQUEST_MODEL = prometheusName(ATTR_GEN_AI_REQUEST_MODEL);
const RESPONSE_MODEL = prometheusName(ATTR_GEN_AI_RESPONSE_MODEL);
const TOKEN_TYPE = prometheusName(ATTR_GEN_AI_TOKEN_TYPE);
const ERROR_TYPE = prometheusName(ATTR_ERROR_TYPE);

function tokens(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Registers the GenAI metrics in `registry`. `prefix` names the two project counters; `limit` caps the
 * distinct values of every model and client label (later ones fold into `other`).
 */
export function registerGenAiMetrics(registry: Registry, prefix: string, limit: number): GenAiMetrics {
  const models = new LabelGuard(limit);
  const clients = new LabelGuard(limit);
  let lookup: GenAiModelLookup | undefined;

  // Hand-rolled (labelled-histogram.ts): prom-client's observe hashes the labels on every call.
  const usage = new LabelledHistogram(
    prometheusName(METRIC_GEN_AI_CLIENT_TOKEN_USAGE),
    'Tokens used per GenAI operation (OpenTelemetry gen_ai.client.token.usage).',
    [OP, PROVIDER, REQUEST_MODEL, RESPONSE_MODEL, TOKEN_TYPE],
    TOKEN_USAGE_BUCKETS,
  ).register(registry);
  const duration = new LabelledHistogram(
    `${prometheusName(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)}_seconds`,
    'Duration of GenAI operations in seconds (OpenTelemetry gen_ai.client.operation.duration).',
    [OP, PROVIDER, REQUEST_MODEL, RESPONSE_MODEL, ERROR_TYPE],
    OPERATION_DURATION_BUCKETS,
  ).register(registry);
  function cells<L extends string>(name: string, help: string, labelNames: readonly L[]): CounterCells<L> {
    let c: CounterCells<L> | undefined;
    const metric = new Counter<L>({
      name: prefix + name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        c?.flush();
      },
    });
    c = new CounterCells(metric, labelNames);
    return c;
  }
  const tokenTotals = cells('tokens_total', 'Tokens by serving model, client key and type (input/output).', [
    'model',
    'client',
    'type',
  ] as const);
  const costTotals = cells(
    'cost_total',
    "Estimated cost by serving model and client key, from the config's per-model cost (per 1k tokens).",
    ['model', 'client'] as const,
  );

  /**
   * Where each kind of operation records, found once: one entry per request model (the last kind seen for
   * it), so a request looks up one map instead of walking about twenty label maps. At most `limit` entries.
   */
  const sinks = new Map<string, OperationSink>();

  function sinkFor(op: GenAiOperation): OperationSink {
    const served = op.responseModel === undefined ? undefined : models.map(op.responseModel);
    const info = op.responseModel === undefined ? undefined : lookup?.(op.responseModel);
    const provider = info?.provider ?? '';
    const requestModel = models.map(op.requestModel);
    return {
      operation: op.operation,
      responseModel: op.responseModel,
      client: op.client,
      errorType: op.errorType,
      epoch: duration.epoch + usage.epoch,
      duration: duration.series([op.operation, provider, requestModel, served ?? '', op.errorType ?? '']),
      labels: [op.operation, provider, requestModel, served ?? ''],
      served,
      clientLabel: op.client === undefined ? 'anonymous' : clients.map(op.client),
      cost: info?.cost,
      input: undefined,
      output: undefined,
      costCell: undefined,
    };
  }

  function record(op: GenAiOperation): void {
    let sink = sinks.get(op.requestModel);
    if (
      sink === undefined ||
      sink.operation !== op.operation ||
      sink.responseModel !== op.responseModel ||
      sink.client !== op.client ||
      sink.errorType !== op.errorType ||
      sink.epoch !== duration.epoch + usage.epoch
    ) {
      sink = sinkFor(op);
      if (sinks.size < limit || sinks.has(op.requestModel)) sinks.set(op.requestModel, sink);
    }
    sink.duration.observe(op.durationMs / 1000);
    const served = sink.served;
    if (served === undefined) return;
    const input = tokens(op.inputTokens);
    const output = tokens(op.outputTokens);
    if (input !== undefined) {
      sink.input ??= tokenSeries(sink, 'input');
      sink.input.usage.observe(input);
      sink.input.total.pending += input;
    }
    if (output !== undefined) {
      sink.output ??= tokenSeries(sink, 'output');
      sink.output.usage.observe(output);
      sink.output.total.pending += output;
    }
    const cost = sink.cost;
    if (cost && (input !== undefined || output !== undefined)) {
      sink.costCell ??= costTotals.cell([served, sink.clientLabel]);
      sink.costCell.pending += ((input ?? 0) * cost.input + (output ?? 0) * cost.output) / 1000;
    }
  }

  /** The token histogram series and the token counter cell of a served kind of operation. */
  function tokenSeries(sink: OperationSink, type: 'input' | 'output'): TokenSeries {
    const served = sink.served ?? '';
    return {
      usage: usage.series([...sink.labels, type]),
      total: tokenTotals.cell([served, sink.clientLabel, type]),
    };
  }

  return {
    record,
    setModelLookup(next) {
      lookup = next;
      sinks.clear(); // providers and prices may have changed
    },
  };
}
