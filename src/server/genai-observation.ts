/**
 * What the routes tell telemetry about one GenAI operation: the OpenTelemetry GenAI attributes on the
 * request span (`gen_ai.operation.name`, `gen_ai.request.model`, `gen_ai.response.model`,
 * `gen_ai.provider.name`, `gen_ai.usage.*`) and one {@link GenAiOperation} for the `gen_ai_*` metrics
 * and the per-model, per-client token and cost counters.
 * @packageDocumentation
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '../telemetry/genai-conventions.js';
import type { GenAiOperation } from '../telemetry/genai-metrics.js';
import type { RequestSpan } from '../telemetry/tracing.js';
import type { GatewayContext } from './context.js';

/** Token counts as OpenAI-shaped answers report them. */
export interface ReportedUsage {
  readonly prompt_tokens?: number;
  readonly completion_tokens?: number;
}

/** One finished operation, as a route knows it. */
export interface OperationReport {
  /** `chat` or `embeddings`. */
  readonly operation: string;
  /** What the caller asked for. */
  readonly target: string;
  /** The model id that answered, if any. */
  readonly model: string | undefined;
  /** The client key's name, if any. */
  readonly client: string | undefined;
  /** Usage as the answer reported it. */
  readonly usage: ReportedUsage | null | undefined;
  /** `ctx.clock.now()` when the operation started. */
  readonly startedAt: number;
  /** The failure kind when it failed. */
  readonly errorType: string | undefined;
}

/** The span name the GenAI conventions give an operation: `{operation} {request model}`. */
export function genAiSpanName(operation: string, target: string): string {
  return `${operation} ${target}`;
}

/** The attributes known when a request starts. */
export function genAiRequestAttributes(operation: string, target: string, requestId: string): Attributes {
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: operation,
    [ATTR_GEN_AI_REQUEST_MODEL]: target,
    'hive.target': target,
    'hive.request_id': requestId,
  };
}

function count(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Puts the answer's GenAI attributes on `span` (when recorded) and records the operation's metrics. */
export function observeOperation(ctx: GatewayContext, span: RequestSpan, report: OperationReport): void {
  const inputTokens = count(report.usage?.prompt_tokens ?? undefined);
  const outputTokens = count(report.usage?.completion_tokens ?? undefined);
  if (span.recording) {
    const provider = report.model === undefined ? undefined : ctx.backend.providerOf?.(report.model);
    const attributes: Attributes = {};
    if (report.model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = report.model;
    if (provider !== undefined) {
      attributes[ATTR_GEN_AI_PROVIDER_NAME] = provider;
      attributes[ATTR_GEN_AI_SYSTEM] = provider;
    }
    if (inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = inputTokens;
    if (outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = outputTokens;
    if (report.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = report.errorType;
    span.setAttributes(attributes);
  }
  const record = ctx.metrics?.recordOperation;
  if (!record) return;
  const operation: GenAiOperation = {
    operation: report.operation,
    requestModel: report.target,
    responseModel: report.model,
    client: report.client,
    inputTokens,
    outputTokens,
    durationMs: ctx.clock.now() - report.startedAt,
    errorType: report.errorType,
  };
  record.call(ctx.metrics, operation);
}
