/**
 * The gateway forwards an OpenAI-compatible upstream's bytes unchanged when it did not need to change
 * them (a completion's JSON, each stream chunk's `data:` text), and re-serialises only what it changed.
 * The upstream here is a plain node:http server on loopback, so the exact bytes are known.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/index.js';
import { gatewayAt, type RawUpstream, rawUpstream } from './gateway-fixtures.js';

/** A completion with an extra vendor field, odd key order and spacing: a re-serialisation would change it. */
const COMPLETION =
  '{"model":"up-1", "id":"chatcmpl-1","object":"chat.completion","created":1700000000,' +
  '"system_fingerprint":"fp_abc","choices":[{"index":0,"message":{"role":"assistant","content":"hi \\u00e9"},' +
  '"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}';

/** The same with raw (unescaped) non-ASCII text: its byte length is not its length in characters. */
const UTF8_COMPLETION = COMPLETION.replace('hi \\u00e9', 'héllo wörld ✓ 😀');

const CHUNK = (delta: string, finish: string | null) =>
  `{"id":"c1", "object":"chat.completion.chunk","created":1700000000,"model":"up-1","x_vendor":1,` +
  `"choices":[{"index":0,${delta}"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}`;
const FIRST = CHUNK('"delta":{"role":"assistant","content":"he"},', null);
/** No `delta` at all: the gateway fills in `delta: {}`, so this one is re-serialised. */
const NO_DELTA = CHUNK('', null);
const LAST = CHUNK('"delta":{"content":"llo"},', 'stop');
/** A chunk split over two `data:` lines (valid SSE, valid JSON once joined with a newline). */
const MULTILINE_A = '{"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"up-1",';
const MULTILINE_B = '"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}]}';

const SSE =
  `data: ${FIRST}\n\n` +
  `data: ${NO_DELTA}\n\n` +
  `data: ${MULTILINE_A}\ndata: ${MULTILINE_B}\n\n` +
  `data: ${LAST}\n\n` +
  'data: [DONE]\n\n';

/** A longer answer with non-ASCII text, a usage chunk and a finish reason: sent as-is, cut into odd pieces. */
const LONG_CHUNKS = [
  CHUNK('"delta":{"role":"assistant","content":""},', null),
  ...Array.from({ length: 40 }, (_, i) => CHUNK(`"delta":{"content":" wörd ✓ 😀 ${i}"},`, null)),
  CHUNK('"delta":{},', 'stop'),
  '{"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"up-1","choices":[],' +
    '"usage":{"prompt_tokens":3,"completion_tokens":40,"total_tokens":43}}',
];
const LONG_SSE = `${LONG_CHUNKS.map((c) => `data: ${c}\n\n`).join('')}data: [DONE]\n\n`;
/** Plain chunks, then an error in the middle of the stream. */
const FAILING_SSE =
  Array.from({ length: 12 }, (_, i) => `data: ${CHUNK(`"delta":{"content":"t${i}"},`, null)}\n\n`).join('') +
  'data: {"error":{"message":"upstream overloaded","type":"server_error"}}\n\n';

/** Writes `text`'s bytes in pieces of 1 to 97 bytes (cutting frames and characters), a tick apart. */
function writeCut(res: import('node:http').ServerResponse, text: string): void {
  const bytes = Buffer.from(text);
  let at = 0;
  let size = 1;
  const next = (): void => {
    if (at >= bytes.length) {
      res.end();
      return;
    }
    res.write(bytes.subarray(at, at + size));
    at += size;
    size = (size * 7 + 13) % 97 || 1;
    setImmediate(next);
  };
  next();
}

let upstream: RawUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await rawUpstream((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      if (body.includes('"user":"stray"')) {
        // A plain delta with a byte that is not UTF-8 (0xFF) in its content.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const [before, after] = CHUNK('"delta":{"content":"a#b"},', null).split('#');
        res.end(
          Buffer.concat([
            Buffer.from(
              `data: ${CHUNK('"delta":{"role":"assistant","content":""},', null)}\n\ndata: ${before}`,
            ),
            Buffer.from([0xff]),
            Buffer.from(`${after}\n\ndata: ${LAST}\n\ndata: [DONE]\n\n`),
          ]),
        );
      } else if (body.includes('"user":"long"') || body.includes('"user":"fails"')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (body.includes('"user":"long"')) {
          // Once whole (one read, many frames), and once cut into pieces.
          if (body.includes('"cut":true')) writeCut(res, LONG_SSE);
          else res.end(LONG_SSE);
        } else res.end(FAILING_SSE);
      } else if (body.includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(SSE);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body.includes('"user":"utf8"') ? UTF8_COMPLETION : COMPLETION);
      }
    });
  });
  gateway = await gatewayAt(upstream.baseURL);
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function post(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const res = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: res.status, text: await res.text() };
}

describe('upstream bytes pass through', () => {
  it('sends a non-streaming completion exactly as the upstream wrote it', async () => {
    const res = await post({});
    expect(res.status).toBe(200);
    expect(res.text).toBe(COMPLETION);
  });

  it('sends a non-ASCII completion with its byte length, its type and the x-hive headers', async () => {
    expect(UTF8_COMPLETION).toContain('😀');
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }], user: 'utf8' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(UTF8_COMPLETION);
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(UTF8_COMPLETION)));
    expect(res.headers.get('transfer-encoding')).toBeNull();
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-hive-model')).toBe('primary');
    expect(res.headers.get('x-hive-attempts')).toBeNull();
    expect(res.headers.get('x-hive-fallback')).toBeNull();
    expect(res.headers.get('x-request-id')).toMatch(/./);
  });

  it('forwards unchanged stream chunks as they came and re-serialises the ones it changed', async () => {
    const res = await post({ stream: true });
    expect(res.status).toBe(200);
    const data = res.text
      .split('\n\n')
      .filter((e) => e !== '')
      .map((e) => {
        expect(e.startsWith('data: ')).toBe(true);
        expect(e.includes('\n')).toBe(false);
        return e.slice('data: '.length);
      });
    expect(data).toHaveLength(5);
    expect(data[0]).toBe(FIRST);
    // Filled in `delta: {}`: a new serialisation, the vendor field kept.
    expect(data[1]).not.toBe(NO_DELTA);
    expect(JSON.parse(data[1]!)).toEqual({
      ...JSON.parse(NO_DELTA),
      choices: [{ index: 0, delta: {}, finish_reason: null }],
    });
    // The two-line event arrives as one line carrying the same JSON.
    expect(JSON.parse(data[2]!)).toEqual(JSON.parse(`${MULTILINE_A}\n${MULTILINE_B}`));
    expect(data[3]).toBe(LAST);
    expect(data[4]).toBe('[DONE]');
  });

  it('forwards a long answer byte for byte, whole or cut mid-frame and mid-character', async () => {
    for (const cut of [false, true]) {
      const res = await post({ stream: true, user: 'long', metadata: { cut } });
      expect(res.status).toBe(200);
      expect(res.text).toBe(LONG_SSE);
    }
  });

  it('still ends a stream with an error event (and no [DONE]) when the upstream fails after plain chunks', async () => {
    const res = await post({ stream: true, user: 'fails' });
    expect(res.status).toBe(200);
    const events = res.text.split('\n\n').filter((e) => e !== '');
    expect(events).toHaveLength(13);
    expect(events.slice(0, 12).join('\n\n')).toBe(FAILING_SSE.split('\n\n').slice(0, 12).join('\n\n'));
    expect(events[12]).toMatch(/^data: \{"error":/);
    expect(res.text).not.toContain('[DONE]');
  });

  it('never forwards invalid UTF-8: a stray byte in a passed-through chunk reaches the client as U+FFFD', async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'primary',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        user: 'stray',
      }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.includes(0xff)).toBe(false);
    expect(bytes.toString('utf8')).toContain('"content":"a\uFFFDb"');
    expect(bytes.toString('utf8')).toContain('data: [DONE]');
  });
});
