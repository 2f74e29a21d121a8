/**
 * A client that goes away cancels the upstream call it started (tokens are not spent for nobody), for
 * non-streaming and streaming requests alike. The upstream is a node:http server on loopback that never
 * answers and records when the gateway drops its request.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { tempDir, writeGatewayConfig } from './gateway-fixtures.js';

let upstream: Server;
let gateway: RunningGateway;
const open = new Set<IncomingMessage>();
let received = 0;
let dropped = 0;

beforeAll(async () => {
  upstream = createServer((req) => {
    received++;
    open.add(req);
    req.resume();
    // Never answers: only the gateway can end this exchange.
    req.socket.once('close', () => {
      open.delete(req);
      dropped++;
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  gateway = await startGateway({
    configPath: writeGatewayConfig(tempDir(), `http://127.0.0.1:${port}/v1`, {
      models: {
        primary: {
          provider: 'openai',
          baseURL: `http://127.0.0.1:${port}/v1`,
          apiKey: 'sk-upstream-secret-9999',
          capabilities: ['streaming'],
          maxRetries: 0,
          timeout: '60s',
          ttftTimeout: '60s',
        },
      },
    }),
    port: 0,
    dataDir: ':memory:',
    logger: false,
    probes: false,
  });
});

afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
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
