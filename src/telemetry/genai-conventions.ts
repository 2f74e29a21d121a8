/**
 * The OpenTelemetry GenAI semantic-convention names this project emits (`gen_ai.*` attributes and the
 * `gen_ai.client.*` metrics), as constants. They are the values of `@opentelemetry/semantic-conventions`'s
 * incubating entry (`ATTR_GEN_AI_*`, `METRIC_GEN_AI_*`), copied rather than imported at run time, as that
 * package advises for its incubating names (they may change in a minor release) and because importing the
 * entry costs ~90 ms; `test/telemetry/genai-conventions.test.ts` checks every one against the package.
 * @packageDocumentation
 */

/** `gen_ai.operation.name`: `chat`, `embeddings`, … */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
/** `gen_ai.provider.name`: `openai`, `anthropic`, … */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
/** `gen_ai.system`: the older name of `gen_ai.provider.name`, still read by many backends. */
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
/** `gen_ai.request.model`: the model the caller asked for. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
/** `gen_ai.response.model`: the model that answered. */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
/** `gen_ai.usage.input_tokens`. */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
/** `gen_ai.usage.output_tokens`. */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
/** `gen_ai.token.type`: `input` or `output` (a label of the token usage metric). */
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';
/** `error.type` (stable): the failure's class, here the outcome kind. */
export const ATTR_ERROR_TYPE = 'error.type';

/** `gen_ai.client.token.usage` (histogram, `{token}`). */
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
/** `gen_ai.client.operation.duration` (histogram, seconds). */
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';

/** `gen_ai.operation.name` values used here. */
export const GEN_AI_OPERATION_NAME_VALUE_CHAT = 'chat';
export const GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS = 'embeddings';
/** `gen_ai.token.type` values. */
export const GEN_AI_TOKEN_TYPE_VALUE_INPUT = 'input';
export const GEN_AI_TOKEN_TYPE_VALUE_OUTPUT = 'output';

/**
 * The Prometheus name of an OpenTelemetry metric or attribute name: dots become underscores, as the
 * OpenTelemetry Prometheus exporter writes them (`gen_ai.client.token.usage` → `gen_ai_client_token_usage`).
 */
export function prometheusName(otelName: string): string {
  return otelName.replace(/[^a-zA-Z0-9_:]/g, '_');
}
