/**
 * How the gateway writes a stream: the events of one upstream read leave in one socket write (one HTTP
 * chunk), and events that arrive apart are forwarded as they arrive (nothing waits for the end).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/index.js';
import { gatewayAt, type RawUpstream, rawUpstream } from './gateway-fixtures.js';

const chunk = (delta: string, finish: string | null) =>
  `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up-1","choices":[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
const HEAD = chunk('{"role":"assistant","content":""}', null) + chunk('{"content":"he"}', null);
const TAIL = chunk('{"content":"llo"}', null) + chunk('{}', 'stop') + 'data: [DONE]\n\n';

let upstream: RawUpstream;
let gateway: RunningGateway;
/** Set by a test: the upstream sends HEAD, then waits for this before sending TAIL. */
let hold: Promise<void> | undefined;

beforeAll(async () => {
  upstream = await rawUpstream((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (!hold) {
        res.end(HEAD + TAIL);
        return;
      }
      res.write(HEAD);
      void hold.then(() => res.end(TAIL));
    });
  });
  gateway = await gatewayAt(upstream.baseURL);
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** A raw HTTP/1.1 request; calls `onData` with everything received so far; resolves at the last chunk. */
function rawStream(onData?: (text: string) => void): Promise<string> {
  const { port } = new URL(gateway.url);
  const body = JSON.stringify({
    model: 'primary',
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  });
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      onData?.(text);
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** The data sizes of a chunked body, in order (the terminating 0 excluded). */
function chunkSizes(response: string): number[] {
  let rest = response.slice(response.indexOf('\r\n\r\n') + 4);
  const sizes: number[] = [];
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return sizes;
    sizes.push(size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

describe('stream writes', () => {
  it('writes the events of one upstream read as one HTTP chunk', async () => {
    hold = undefined;
    const response = await rawStream();
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response.toLowerCase()).toContain('transfer-encoding: chunked');
    expect(chunkSizes(response)).toEqual([Buffer.byteLength(HEAD + TAIL)]);
  });

  it('forwards events that arrive apart as they arrive', async () => {
    let release: () => void = () => {};
    hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The upstream sends its tail only once the client has seen the head: a gateway that held the
    // head back until the end would never finish.
    const response = await rawStream((text) => {
      if (text.includes('"content":"he"')) release();
    });
    const sizes = chunkSizes(response);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(Buffer.byteLength(HEAD + TAIL));
    expect(response).toContain('data: [DONE]');
  });
});
