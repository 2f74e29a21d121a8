/**
 * resilience.maxConcurrentRequests end to end: the call over a model's limit is shed with an
 * OpenAI-shaped 503 and a Retry-After header (the real gateway on loopback, a chaos upstream behind it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { gatewayAt } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await gatewayAt(chaos.openaiBaseURL, {
    models: {
      solo: {
        provider: 'openai',
        baseURL: chaos.openaiBaseURL,
        apiKey: 'sk-upstream-secret-9999',
        maxRetries: 0,
        timeout: '5s',
      },
    },
    resilience: { healthCheckInterval: '1h', maxConcurrentRequests: 1 },
  });
});
afterAll(async () => {
  await gateway.close();
});

const ask = () =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('overload shedding', () => {
  it('answers the request over the limit with a 503, Retry-After and an OpenAI-shaped error', async () => {
    chaos.upstream.setFaults({ solo: { latencyMs: 400 } });
    const first = ask();
    await new Promise((r) => setTimeout(r, 100));
    const shed = await ask();
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    const body = (await shed.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe('api_error');
    expect(body.error.message).toMatch(/bulkhead_full/);
    expect((await first).status).toBe(200);
    chaos.upstream.setFaults({});
    expect((await ask()).status).toBe(200);
  });
});
