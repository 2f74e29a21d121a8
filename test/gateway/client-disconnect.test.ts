/**
 * A client that goes away cancels the upstream call it started (tokens are not spent for nobody), for
 * non-streaming and streaming requests alike. The upstream is a node:http server on loopback that never
 * answers and records when the gateway drops its request.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningGateway } from '../../src/gateway/index.js';
import { gatewayAt, type RawUpstream, rawUpstream } from './gateway-fixtures.js';

let upstream: RawUpstream;
let gateway: RunningGateway;
let received = 0;
let dropped = 0;

beforeAll(async () => {
  upstream = await rawUpstream((req) => {
    received++;
    req.resume();
    // Never answers: only the gateway can end this exchange.
    req.socket.once('close', () => {
      dropped++;
    });
  });
  gateway = await gatewayAt(upstream.baseURL, {
    models: {
      primary: {
        provider: 'openai',
        baseURL: upstream.baseURL,
        apiKey: 'sk-upstream-secret-9999',
        capabilities: ['streaming'],
        maxRetries: 0,
        timeout: '60s',
        ttftTimeout: '60s',
      },
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function abandon(stream: boolean): Promise<void> {
  const before = { received, dropped };
  const controller = new AbortController();
  const pending = fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }], stream }),
    signal: controller.signal,
  }).catch((error: unknown) => error);
  await vi.waitFor(() => expect(received).toBe(before.received + 1), { timeout: 5000, interval: 10 });
  expect(dropped).toBe(before.dropped);
  controller.abort();
  await pending;
  await vi.waitFor(() => expect(dropped).toBe(before.dropped + 1), { timeout: 5000, interval: 10 });
}

describe('a client that goes away', () => {
  it('cancels the upstream call of a non-streaming request', async () => {
    await abandon(false);
  });

  it('cancels the upstream call of a streaming request before its first chunk', async () => {
    await abandon(true);
  });
});
