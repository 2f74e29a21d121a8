/**
 * GenAI telemetry of a real gateway: the official openai client calls it (a client key, streaming and
 * not, a fallback), then `GET /metrics` is read: gen_ai_* histograms, tokens and estimated cost per
 * model and client key, breaker and health state as labels.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const CLIENT_KEY = 'ck-team-a-0123456789abcdef';

/** The value of the one sample of `name` whose labels include every pair of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = line.slice(name.length);
    const close = body.lastIndexOf('}');
    const labelText = close >= 0 ? body.slice(1, close) : '';
    const pairs = new Map([...labelText.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(labels).every(([k, v]) => pairs.get(k) === v)) {
      return Number(body.slice(close + 1).trim());
    }
  }
  return undefined;
}

describe('GenAI metrics of a running gateway', () => {
  it('exports gen_ai token usage and duration, tokens and cost per model and client key', async () => {
    const dir = tempDir();
    const configPath = writeGatewayConfig(dir, chaos.openaiBaseURL, {
      security: {
        adminKeys: [{ name: 'ops', key: 'test-admin-key-0123456789', scope: 'admin' }],
        clientKeys: [{ name: 'team-a', key: CLIENT_KEY }],
      },
    });
    // Prices per 1k tokens on `primary` only.
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { parse, stringify } = await import('yaml');
    const config = parse(readFileSync(configPath, 'utf8')) as {
      models: Record<string, Record<string, unknown>>;
    };
    config.models['primary']!['cost'] = { input: 3, output: 15 };
    writeFileSync(configPath, stringify(config));
    gateway = await startGateway({ configPath, port: 0, dataDir: dir, logger: false, probes: false });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'hello' }];

    await client.chat.completions.create({ model: 'primary', messages });
    const stream = await client.chat.completions.create({
      model: 'primary',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream) {
      // drain
    }
    chaos.upstream.setFaults({ primary: '503' });
    const fellBack = await client.chat.completions.create({ model: 'primary', messages }).withResponse();
    expect(fellBack.response.headers.get('x-hive-model')).toBe('backup');

    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const chat = {
      gen_ai_operation_name: 'chat',
      gen_ai_provider_name: 'openai',
      gen_ai_request_model: 'primary',
    };
    // The chaos upstream reports 10 prompt tokens and one completion token per word (9).
    expect(
      sample(text, 'gen_ai_client_token_usage_count', {
        ...chat,
        gen_ai_response_model: 'primary',
        gen_ai_token_type: 'input',
      }),
    ).toBe(2);
    expect(
      sample(text, 'gen_ai_client_token_usage_sum', {
        ...chat,
        gen_ai_response_model: 'primary',
        gen_ai_token_type: 'output',
      }),
    ).toBe(18);
    expect(
      sample(text, 'gen_ai_client_token_usage_sum', {
        ...chat,
        gen_ai_response_model: 'backup',
        gen_ai_token_type: 'input',
      }),
    ).toBe(10);
    expect(
      sample(text, 'gen_ai_client_operation_duration_seconds_count', {
        ...chat,
        gen_ai_response_model: 'primary',
        error_type: '',
      }),
    ).toBe(2);
    expect(sample(text, 'hive_tokens_total', { model: 'primary', client: 'team-a', type: 'input' })).toBe(20);
    expect(sample(text, 'hive_tokens_total', { model: 'primary', client: 'team-a', type: 'output' })).toBe(
      18,
    );
    expect(sample(text, 'hive_tokens_total', { model: 'backup', client: 'team-a', type: 'output' })).toBe(9);
    // (20 × 3 + 18 × 15) / 1000; `backup` has no price, so no cost series.
    expect(sample(text, 'hive_cost_total', { model: 'primary', client: 'team-a' })).toBeCloseTo(0.33, 10);
    expect(sample(text, 'hive_cost_total', { model: 'backup', client: 'team-a' })).toBeUndefined();
    // State as a label.
    expect(sample(text, 'hive_breaker_state', { model: 'backup', state: 'closed' })).toBe(1);
    expect(sample(text, 'hive_breaker_state', { model: 'backup', state: 'open' })).toBe(0);
    expect(sample(text, 'hive_health_status', { model: 'backup', status: 'healthy' })).toBe(1);
  });
});
