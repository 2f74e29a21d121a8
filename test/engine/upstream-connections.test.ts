/**
 * Every call a model's bulkhead admits gets its own upstream connection: with
 * `resilience.maxConcurrentRequests` above undici's pool default (64), the calls over 64 used to wait in
 * the HTTP client's queue, their time limits running, behind streams that can last for minutes.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionsFor } from '../../src/engine/compiled-config.js';
import { ResilienceEngine } from '../../src/engine/index.js';
import { untilTrue } from '../helpers/event-loop.js';
import { ask, chaosModel, configOf, FAST_RESILIENCE } from './engine-fixtures.js';

const answer = `data: ${JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }],
})}\n\ndata: [DONE]\n\n`;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('upstream connections per model', () => {
  it('are one per admitted call, plus room for probes, never fewer than 64', () => {
    expect(connectionsFor(10)).toBe(64);
    expect(connectionsFor(100)).toBe(108);
  });

  it('carry every admitted stream at once when the limit is above 64', async () => {
    // The upstream holds every answer until the test lets them go.
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        held.push(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const config = configOf({
      models: { m: chaosModel(`http://127.0.0.1:${port}/v1`, { ttftTimeout: '60s', timeout: '60s' }) },
      resilience: { ...FAST_RESILIENCE, maxConcurrentRequests: 100 },
    });
    const engine = ResilienceEngine.fromConfig(config, { probes: false });
    cleanups.push(async () => {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const calls = 80;
    const streams = Array.from({ length: calls }, () => engine.stream({ target: 'm', body: ask() }));
    expect(await untilTrue(() => held.length === calls, 100_000)).toBe(true);
    for (const res of held) res.end(answer);
    const results = await Promise.all(streams);
    expect(results.filter((r) => r.ok)).toHaveLength(calls);
    for (const r of results) if (r.ok) r.value.close();
  });
});
