/**
 * `POST /v1/embeddings` end to end: the official openai client → the gateway (config file → engine →
 * Fastify) → the chaos upstream. Failover only among embeddings models of the same dimensions.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { SimulatedProvider } from '../../src/providers/simulated.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(): Promise<OpenAI> {
  const model = (more: Record<string, unknown>) => ({
    provider: 'openai',
    baseURL: chaos.openaiBaseURL,
    apiKey: 'sk-upstream-secret-9999',
    maxRetries: 0,
    timeout: '5s',
    ...more,
  });
  const dir = tempDir();
  const configPath = writeGatewayConfig(dir, chaos.openaiBaseURL, {
    models: {
      'embed-a': model({ embedding: { dimensions: 8 }, fallbacks: ['embed-wide', 'embed-b'] }),
      'embed-b': model({ embedding: { dimensions: 8 } }),
      'embed-wide': model({ embedding: { dimensions: 16 } }),
      chat: model({}),
    },
  });
  gateway = await startGateway({ configPath, port: 0, dataDir: dir, logger: false, probes: false });
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

const requests = (model: string) => chaos.upstream.stats().models[model]?.requests ?? 0;

describe('POST /v1/embeddings through the gateway', () => {
  it('answers the official client with vectors of the configured length', async () => {
    const client = await start();
    const { data, response } = await client.embeddings
      .create({ model: 'embed-a', input: ['hello', 'world'], encoding_format: 'float' })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]!.embedding).toHaveLength(8);
    expect(data.data[1]!.index).toBe(1);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-hive-model')).toBe('embed-a');
    expect(response.headers.get('x-hive-attempts')).toBeNull();
    expect(response.headers.get('x-hive-fallback')).toBeNull();
  });

  it('falls back only to a model of the same dimensions', async () => {
    chaos.upstream.setFaults({ 'embed-a': '503' });
    const client = await start();
    const { data, response } = await client.embeddings
      .create({ model: 'embed-a', input: 'hello', encoding_format: 'float' })
      .withResponse();
    expect(response.headers.get('x-hive-model')).toBe('embed-b');
    expect(response.headers.get('x-hive-fallback')).toBe('true');
    expect(data.data[0]!.embedding).toHaveLength(8);
    expect(requests('embed-wide')).toBe(0);
  });

  it('fails, rather than answer with another size, when no same-size model can serve', async () => {
    chaos.upstream.setFaults({ 'embed-a': '503', 'embed-b': '503' });
    const client = await start();
    const error = await client.embeddings
      .create({ model: 'embed-a', input: 'hello' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeGreaterThanOrEqual(500);
    // An error answer always says its attempts (a served one only when there was more than one).
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-hive-attempts')).toBe('2');
    expect(requests('embed-wide')).toBe(0);
  });

  it('refuses a chat model, a bad input and an answer of the wrong length, clearly', async () => {
    const client = await start();
    const chat = await client.embeddings.create({ model: 'chat', input: 'x' }).catch((e: unknown) => e);
    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chat as Error).message).toContain('"chat" is not an embeddings model');
    const empty = await client.embeddings.create({ model: 'embed-a', input: [] }).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    expect((empty as Error).message).toContain('input');
    const size = await client.embeddings
      .create({ model: 'embed-a', input: 'x', dimensions: 4 })
      .catch((e: unknown) => e);
    expect(size).toBeInstanceOf(OpenAI.BadRequestError);
    expect((size as Error).message).toContain('returns vectors of 8 dimensions, not 4');
    // The chaos upstream answers 8 values; embed-wide is configured for 16: unusable, never passed on.
    const wrong = await client.embeddings
      .create({ model: 'embed-wide', input: 'x' })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(OpenAI.APIError);
    expect((wrong as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((wrong as Error).message).toContain('malformed');
  });
});

describe('SimulatedProvider.embed', () => {
  it('answers deterministic unit vectors of the asked length, or the scripted failure', async () => {
    const p = new SimulatedProvider({ script: ['success', 'transient'] });
    const a = await p.embed({ model: 's', input: ['a', 'b'] }, { dimensions: 4 });
    expect(a.ok && a.value.data.map((d) => (d.embedding as number[]).length)).toEqual([4, 4]);
    const norm = a.ok ? Math.hypot(...(a.value.data[0]!.embedding as number[])) : 0;
    expect(norm).toBeCloseTo(1, 4);
    const b = await p.embed({ model: 's', input: 'a' }, { dimensions: 4 });
    expect(b.ok).toBe(false);
  });
});
