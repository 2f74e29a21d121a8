/**
 * Hostile clients against the real server on loopback: deep JSON, oversized bodies (Node's fetch and the
 * official openai client must see the 413), Fastify's own client errors in OpenAI shape, the 401
 * guidance unmangled, keys in the query string kept out of the access log, and slow bodies dropped.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/server/app.js';
import { type GatewaySettingsInput, gatewaySettings } from '../../src/server/settings.js';
import { FakeAudit, FakeBackend } from './fake-backend.js';
import { chatBody, KEYS } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listen(input: GatewaySettingsInput = {}, logLines?: string[]): Promise<string> {
  const logger = logLines
    ? pino(
        { level: 'info' },
        new Writable({
          write(chunk, _enc, cb) {
            logLines.push(String(chunk));
            cb();
          },
        }),
      )
    : false;
  app = await createGatewayServer({
    backend: new FakeBackend(),
    settings: gatewaySettings(input),
    audit: new FakeAudit(),
    logger,
  });
  return app.listen({ host: '127.0.0.1', port: 0 });
}

/** Sends raw bytes and returns everything the server answered before it closed (or `waitMs` passed). */
function rawExchange(url: string, bytes: string, waitMs = 3000): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => {});
    socket.write(bytes);
  });
}

function bodyOf(response: string): unknown {
  const at = response.indexOf('\r\n\r\n');
  return JSON.parse(response.slice(at + 4));
}

describe('hostile request bodies', () => {
  it('answers 400 (not 500) to a small body nested 5,000 levels deep', async () => {
    const url = await listen();
    const deep = `{"model":"gpt-a","messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(deep.length).toBeLessThan(11_000);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: deep,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.message).toMatch(/nested more than \d+ levels/);
  });

  it('lets Node fetch read the 413 of a 5 MiB body (no EPIPE / reset)', async () => {
    const url = await listen();
    const big = JSON.stringify(
      chatBody({ messages: [{ role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }] }),
    );
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    }
  });

  it('keeps the connection open after the 413 so a slow uploader can finish (no reset mid-upload)', async () => {
    const url = await listen();
    const size = 5 * 1024 * 1024;
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    let writeError: string | undefined;
    socket.on('data', (d) => {
      answer += d.toString();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      writeError = e.code ?? e.message;
    });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`,
    );
    // The 413 comes at once (the declared length is over the limit); the client uploads only afterwards.
    for (let i = 0; i < 100 && !answer.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    const piece = Buffer.alloc(256 * 1024, 120);
    for (let sent = 0; sent < size && !writeError; sent += piece.length) {
      if (!socket.write(piece)) {
        await new Promise<void>((r) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            r();
          };
          socket.on('drain', done);
          socket.on('close', done);
        });
      }
      if (socket.destroyed) writeError ??= 'closed';
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(writeError).toBeUndefined();
    // The connection is still usable: a second request on it is answered.
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 100 && !answer.includes('"status":"ok"'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(answer).toContain('"status":"ok"');
    socket.destroy();
  });

  it('lets the official openai client see the 413 once (no re-upload)', async () => {
    const url = await listen();
    let uploads = 0;
    const client = new OpenAI({
      baseURL: `${url}/v1`,
      apiKey: 'unused',
      maxRetries: 2,
      fetch: (input, init) => {
        uploads++;
        return fetch(input, init);
      },
    });
    const error = await client.chat.completions
      .create({ model: 'gpt-a', messages: [{ role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect(uploads).toBe(1);
  });
});

describe("Fastify's own client errors", () => {
  it('answers a malformed request line with an OpenAI-shaped 400', async () => {
    const url = await listen();
    const answer = await rawExchange(url, 'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(bodyOf(answer)).toMatchObject({ error: { type: 'invalid_request_error', code: 'bad_request' } });
  });

  it('answers oversized headers with an OpenAI-shaped 431', async () => {
    const url = await listen();
    const answer = await rawExchange(
      url,
      `GET /health/live HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect(bodyOf(answer)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'request_header_fields_too_large' },
    });
  });

  it('drops a client that trickles its body, with an OpenAI-shaped 408, and keeps serving others', async () => {
    const url = await listen({ server: { requestTimeoutMs: 120_000, bodyTimeoutMs: 300 } });
    const started = Date.now();
    const pending = rawExchange(
      url,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"mo',
      10_000,
    );
    const other = await fetch(`${url}/health/live`);
    expect(other.status).toBe(200);
    const answer = await pending;
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(bodyOf(answer)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'request_timeout' },
    });
  });
});

describe('credentials in the wrong places', () => {
  it('keeps the 401 guidance readable', async () => {
    const url = await listen({
      security: { clientKeys: [{ name: 'app', key: KEYS.client }] },
    });
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody()),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('send "Authorization: Bearer <key>"');
  });

  it('refuses a key in the query string and keeps it out of the access log', async () => {
    const lines: string[] = [];
    const url = await listen(
      { security: { clientKeys: [{ name: 'app', key: KEYS.client }] }, server: { accessLog: true } },
      lines,
    );
    const res = await fetch(`${url}/v1/models?api_key=${KEYS.client}&key=${KEYS.client}`);
    expect(res.status).toBe(401);
    await res.text();
    const log = lines.join('');
    expect(log).toContain('/v1/models');
    expect(log).not.toContain(KEYS.client);
  });
});
