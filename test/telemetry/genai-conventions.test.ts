import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import * as ours from '../../src/telemetry/genai-conventions.js';

describe('GenAI semantic-convention names', () => {
  it('equal the values of @opentelemetry/semantic-conventions (incubating entry)', () => {
    const names = [
      'ATTR_GEN_AI_OPERATION_NAME',
      'ATTR_GEN_AI_PROVIDER_NAME',
      'ATTR_GEN_AI_SYSTEM',
      'ATTR_GEN_AI_REQUEST_MODEL',
      'ATTR_GEN_AI_RESPONSE_MODEL',
      'ATTR_GEN_AI_USAGE_INPUT_TOKENS',
      'ATTR_GEN_AI_USAGE_OUTPUT_TOKENS',
      'ATTR_GEN_AI_TOKEN_TYPE',
      'ATTR_ERROR_TYPE',
      'METRIC_GEN_AI_CLIENT_TOKEN_USAGE',
      'METRIC_GEN_AI_CLIENT_OPERATION_DURATION',
      'GEN_AI_OPERATION_NAME_VALUE_CHAT',
      'GEN_AI_OPERATION_NAME_VALUE_EMBEDDINGS',
      'GEN_AI_TOKEN_TYPE_VALUE_INPUT',
      'GEN_AI_TOKEN_TYPE_VALUE_OUTPUT',
    ] as const;
    for (const name of names) {
      expect((ours as Record<string, unknown>)[name], name).toBe((semconv as Record<string, unknown>)[name]);
    }
    expect(semconv.GEN_AI_PROVIDER_NAME_VALUE_OPENAI).toBe('openai');
    expect(semconv.GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC).toBe('anthropic');
  });

  it('maps names to Prometheus as the OpenTelemetry exporter does', () => {
    expect(ours.prometheusName(ours.METRIC_GEN_AI_CLIENT_TOKEN_USAGE)).toBe('gen_ai_client_token_usage');
    expect(ours.prometheusName(ours.ATTR_GEN_AI_REQUEST_MODEL)).toBe('gen_ai_request_model');
  });
});
