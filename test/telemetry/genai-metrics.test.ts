/**
 * `registerGenAiMetrics` finds the series of each kind of operation once and then records into them
 * directly: these tests check that every kind still lands in its own series when kinds alternate on one
 * request model, after a registry reset, and after the model lookup changes (a config reload).
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type GenAiOperation, registerGenAiMetrics } from '../../src/telemetry/genai-metrics.js';

function op(over: Partial<GenAiOperation> = {}): GenAiOperation {
  return {
    operation: 'chat',
    requestModel: 'smart',
    responseModel: 'gpt',
    client: 'team-a',
    inputTokens: 10,
    outputTokens: 2,
    durationMs: 250,
    errorType: undefined,
    ...over,
  };
}

/** The value of the sample `name{…labels}` (labels in any order, all of them given). */
async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const text = await registry.metrics();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const pairs = new Map([...line.matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (
      pairs.size === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => pairs.get(k) === v)
    )
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return Number.NaN;
}

function setUp() {
  const registry = new Registry();
  const metrics = registerGenAiMetrics(registry, 'hive_', 500);
  metrics.setModelLookup((id) =>
    id === 'gpt' ? { provider: 'openai', cost: { input: 1, output: 2 } } : { provider: 'anthropic' },
  );
  return { registry, metrics };
}

const usage = (response: string, type: string, provider = 'openai') => ({
  gen_ai_operation_name: 'chat',
  gen_ai_provider_name: provider,
  gen_ai_request_model: 'smart',
  gen_ai_response_model: response,
  gen_ai_token_type: type,
});

describe('GenAI metrics: one lookup per kind of operation', () => {
  it('keeps alternating kinds on one request model in their own series', async () => {
    const { registry, metrics } = setUp();
    for (let i = 0; i < 3; i++) {
      metrics.record(op());
      metrics.record(op({ responseModel: 'claude', client: 'team-b', outputTokens: 5 }));
      metrics.record(op({ responseModel: undefined, errorType: 'exhausted', inputTokens: undefined }));
      metrics.record(op({ client: undefined }));
    }
    expect(await value(registry, 'gen_ai_client_token_usage_sum', usage('gpt', 'input'))).toBe(60);
    expect(
      await value(registry, 'gen_ai_client_token_usage_sum', usage('claude', 'output', 'anthropic')),
    ).toBe(15);
    expect(
      await value(registry, 'hive_tokens_total', { model: 'gpt', client: 'team-a', type: 'input' }),
    ).toBe(30);
    expect(
      await value(registry, 'hive_tokens_total', { model: 'gpt', client: 'anonymous', type: 'output' }),
    ).toBe(6);
    expect(
      await value(registry, 'hive_tokens_total', { model: 'claude', client: 'team-b', type: 'output' }),
    ).toBe(15);
    // (10 × 1 + 2 × 2) / 1000 per call, three calls per client; `claude` has no price.
    expect(await value(registry, 'hive_cost_total', { model: 'gpt', client: 'team-a' })).toBeCloseTo(
      0.042,
      10,
    );
    expect(
      await value(registry, 'gen_ai_client_operation_duration_seconds_count', {
        gen_ai_operation_name: 'chat',
        gen_ai_provider_name: '',
        gen_ai_request_model: 'smart',
        gen_ai_response_model: '',
        error_type: 'exhausted',
      }),
    ).toBe(3);
  });

  it('records into fresh series after the registry is reset', async () => {
    const { registry, metrics } = setUp();
    metrics.record(op());
    registry.resetMetrics();
    metrics.record(op({ inputTokens: 7 }));
    expect(await value(registry, 'gen_ai_client_token_usage_sum', usage('gpt', 'input'))).toBe(7);
    expect(
      await value(registry, 'gen_ai_client_operation_duration_seconds_count', {
        gen_ai_operation_name: 'chat',
        gen_ai_provider_name: 'openai',
        gen_ai_request_model: 'smart',
        gen_ai_response_model: 'gpt',
        error_type: '',
      }),
    ).toBe(1);
  });

  it('uses the new provider and price once the model lookup changes', async () => {
    const { registry, metrics } = setUp();
    metrics.record(op());
    metrics.setModelLookup(() => ({ provider: 'azure', cost: { input: 10, output: 0 } }));
    metrics.record(op());
    expect(await value(registry, 'gen_ai_client_token_usage_sum', usage('gpt', 'input', 'azure'))).toBe(10);
    expect(await value(registry, 'gen_ai_client_token_usage_sum', usage('gpt', 'input', 'openai'))).toBe(10);
    // 0.014 before the reload, 0.1 after it.
    expect(await value(registry, 'hive_cost_total', { model: 'gpt', client: 'team-a' })).toBeCloseTo(
      0.114,
      10,
    );
  });
});
