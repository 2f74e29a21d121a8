/**
 * A stream that delivered its last event lets its response finish, so its keep-alive connection serves
 * the next call: servers often write the chunked encoding's last chunk a moment after `data: [DONE]`, and
 * cutting the connection there cost a new TCP (and, in production, TLS) connection per stream. What comes
 * after the end is bounded in time (`DRAIN_LIMIT_MS`, on the provider's clock) and in bytes
 * (`DRAIN_MAX_BYTES`).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { DRAIN_MAX_BYTES } from '../../src/providers/http-exchange.js';
import { OpenAICompatibleProvider } from '../../src/providers/index.js';
import { DRAIN_LIMIT_MS } from '../../src/providers/sse-stream.js';
import { collect } from '../helpers/chaos-upstream.js';
import { untilTrue } from '../helpers/event-loop.js';

const frame = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  })}\n\n`;
const ANSWER = frame('Hel') + frame('lo') + frame('', 'stop') + 'data: [DONE]\n\n';
const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };

type After = (res: ServerResponse) => void;

/** An upstream that writes `answer`, then does `after` with the response (end it later, never, …). */
async function upstream(after: After, answer = ANSWER) {
  let connections = 0;
  let closed = 0;
  const finished: Array<() => void> = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(answer);
      res.on('finish', () => finished.shift()?.());
      after(res);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    socket.on('close', () => closed++);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    connections: () => connections,
    closed: () => closed,
    /** Resolves when the next response has been written to its end. */
    nextFinish: () => new Promise<void>((resolve) => finished.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<void>> = [];

/** A provider on `server` with time on `clock` (the server closes first, then the provider). */
function providerOn(
  server: { baseURL: string; close(): Promise<void> },
  clock: FakeClock,
): OpenAICompatibleProvider {
  const provider = new OpenAICompatibleProvider({ baseURL: server.baseURL, apiKey: 'k', clock });
  cleanups.push(async () => {
    await server.close();
    await provider.close();
  });
  return provider;
}

/** Opens a stream of `provider` and reads it to its end; the last event must be `done`. */
async function readToDone(provider: OpenAICompatibleProvider): Promise<void> {
  const opened = await provider.stream(request);
  if (!opened.ok) throw opened.error;
  const events = await collect(opened.value);
  expect(events.at(-1)?.type).toBe('done');
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('a finished stream lets its response end', () => {
  it('reuses the connection when the response ends after [DONE]', async () => {
    // The response ends only once the client has read [DONE] (its end comes in a read of its own).
    let open: ServerResponse | undefined;
    const server = await upstream((res) => {
      open = res;
    });
    const pool = new Pool(new URL(server.baseURL).origin, { connections: 4 });
    const provider = new OpenAICompatibleProvider({ baseURL: server.baseURL, apiKey: 'k', dispatcher: pool });
    cleanups.push(async () => {
      await server.close();
      await provider.close();
      await pool.close();
    });
    for (let i = 0; i < 3; i++) {
      const ended = server.nextFinish();
      await readToDone(provider);
      open?.end();
      await ended;
      // The client has read the response's end once its connection is free again.
      expect(await untilTrue(() => pool.stats.connected === 1 && pool.stats.free === 1)).toBe(true);
    }
    expect(server.connections()).toBe(1);
    expect(server.closed()).toBe(0);
  });

  it('drops the connection when the response does not end within the drain limit', async () => {
    const server = await upstream(() => {});
    const clock = new FakeClock();
    await readToDone(providerOn(server, clock));
    await clock.advance(DRAIN_LIMIT_MS - 1);
    expect(await untilTrue(() => server.closed() > 0, 50)).toBe(false);
    await clock.advance(1);
    expect(await untilTrue(() => server.closed() === 1)).toBe(true);
  });

  it('drops the connection when more than the byte limit comes after the end', async () => {
    // Written after the answer (a read of its own), well past the limit.
    const junk = `: ${'x'.repeat(4 * DRAIN_MAX_BYTES)}\n\n`;
    const server = await upstream((res) => setImmediate(() => res.write(junk)));
    await readToDone(providerOn(server, new FakeClock()));
    expect(await untilTrue(() => server.closed() === 1)).toBe(true);
  });

  it('still cuts a stream its consumer stops reading early', async () => {
    const server = await upstream(() => {}, frame('Hel'));
    const provider = providerOn(server, new FakeClock());
    const opened = await provider.stream(request);
    if (!opened.ok) throw opened.error;
    const iterator = opened.value[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.type).toBe('chunk');
    opened.value.close();
    expect(await untilTrue(() => server.closed() === 1)).toBe(true);
  });
});
