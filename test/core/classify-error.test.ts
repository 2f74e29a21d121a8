import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APICallError } from '@ai-sdk/provider';
import { RetryError } from 'ai';
import OpenAI from 'openai';
import { fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BrokenCircuitError,
  ConstantBackoff,
  classifyError,
  defaultClassifier,
  RetryPolicy,
  TimeoutError,
} from '../../src/core/index.js';

const NOW = Date.UTC(2026, 0, 1);

/** Closes a listening server and returns the port nothing listens on any more. */
async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('classifyError: OpenAI SDK error instances', () => {
  const h = (init: Record<string, string> = {}) => new Headers(init);
  it.each([
    [
      'RateLimitError with retry-after',
      () =>
        new OpenAI.RateLimitError(
          429,
          { message: 'slow down', code: 'rate_limit_exceeded' },
          undefined,
          h({ 'retry-after': '7' }),
        ),
      'throttled',
      7000,
      undefined,
    ],
    [
      'RateLimitError with retry-after-ms',
      () => new OpenAI.RateLimitError(429, { message: 'slow' }, undefined, h({ 'retry-after-ms': '250' })),
      'throttled',
      250,
      undefined,
    ],
    [
      'BadRequestError (context length)',
      () =>
        new OpenAI.BadRequestError(
          400,
          { message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' },
          undefined,
          h(),
        ),
      'request',
      undefined,
      'context_length',
    ],
    [
      'BadRequestError',
      () => new OpenAI.BadRequestError(400, { message: 'bad' }, undefined, h()),
      'request',
      undefined,
      undefined,
    ],
    [
      'NotFoundError',
      () => new OpenAI.NotFoundError(404, { message: 'no model' }, undefined, h()),
      'request',
      undefined,
      undefined,
    ],
    [
      'AuthenticationError',
      () => new OpenAI.AuthenticationError(401, { message: 'key' }, undefined, h()),
      'account',
      undefined,
      undefined,
    ],
    [
      'insufficient_quota 429',
      () =>
        new OpenAI.RateLimitError(
          429,
          { message: 'You exceeded your current quota', code: 'insufficient_quota' },
          undefined,
          h(),
        ),
      'account',
      undefined,
      undefined,
    ],
    [
      'InternalServerError 503',
      () => new OpenAI.InternalServerError(503, { message: 'x' }, undefined, h({ 'retry-after': '2' })),
      'transient',
      2000,
      undefined,
    ],
    [
      'APIError 504',
      () => new OpenAI.APIError(504, undefined, 'gateway timeout', h()),
      'timeout',
      undefined,
      undefined,
    ],
    [
      'APIConnectionError',
      () => new OpenAI.APIConnectionError({ message: 'Connection error.' }),
      'transient',
      undefined,
      undefined,
    ],
    [
      'APIConnectionTimeoutError',
      () => new OpenAI.APIConnectionTimeoutError(),
      'timeout',
      undefined,
      undefined,
    ],
    ['APIUserAbortError', () => new OpenAI.APIUserAbortError(), 'aborted', undefined, undefined],
    [
      'a stream error without a status',
      () =>
        new OpenAI.APIError(
          undefined,
          { message: 'Rate limit reached', type: 'rate_limit_error' },
          undefined,
          undefined,
        ),
      'throttled',
      undefined,
      undefined,
    ],
  ] as const)('%s → %s', (_name, make, kind, retryAfterMs, reason) => {
    const err = make();
    const f = classifyError(err, { wallNowMs: NOW });
    expect(f.kind).toBe(kind);
    expect(f.retryAfterMs).toBe(retryAfterMs);
    expect(f.reason).toBe(reason);
    expect(f.error).toBe(err);
  });
});

describe('classifyError: Anthropic-shaped and AI SDK errors', () => {
  // The Anthropic SDK's classes share the OpenAI SDK's shape (a Stainless SDK): status, a fetch Headers,
  // and the whole error body as `error`. It is not installed, so build one of the same shape.
  class APIError extends Error {
    constructor(
      readonly status: number | undefined,
      readonly error: unknown,
      readonly headers: Headers | undefined,
    ) {
      super(`${status} ${JSON.stringify(error)}`);
    }
  }
  it('reads overloaded (529), prompt too long, credit balance and rate limits', () => {
    const body = (type: string, message: string) => ({ type: 'error', error: { type, message } });
    expect(
      classifyError(new APIError(529, body('overloaded_error', 'Overloaded'), new Headers())),
    ).toMatchObject({
      kind: 'transient',
      reason: 'overloaded',
    });
    expect(
      classifyError(
        new APIError(400, body('invalid_request_error', 'prompt is too long: 210000 tokens'), new Headers()),
      ),
    ).toMatchObject({ kind: 'request', reason: 'context_length' });
    expect(
      classifyError(
        new APIError(400, body('invalid_request_error', 'Your credit balance is too low'), new Headers()),
      ).kind,
    ).toBe('account');
    expect(
      classifyError(new APIError(429, body('rate_limit_error', 'x'), new Headers({ 'retry-after': '3' }))),
    ).toMatchObject({ kind: 'throttled', retryAfterMs: 3000 });
    expect(classifyError(new APIError(undefined, body('overloaded_error', 'x'), undefined))).toMatchObject({
      kind: 'transient',
      reason: 'overloaded',
    });
  });

  it('reads the AI SDK APICallError (statusCode, responseHeaders) and looks through RetryError', () => {
    const call = (statusCode: number, headers: Record<string, string> = {}, responseBody?: string) =>
      new APICallError({
        message: 'x',
        url: 'http://h',
        requestBodyValues: {},
        statusCode,
        responseHeaders: headers,
        responseBody,
      });
    expect(classifyError(call(429, { 'retry-after': '4' }))).toMatchObject({
      kind: 'throttled',
      retryAfterMs: 4000,
    });
    expect(classifyError(call(400, {}, '{"error":{"code":"context_length_exceeded"}}')).reason).toBe(
      'context_length',
    );
    expect(classifyError(call(422)).kind).toBe('request');
    const retried = new RetryError({
      message: 'gave up',
      reason: 'maxRetriesExceeded',
      errors: [call(500), call(401)],
    });
    expect(RetryError.isInstance(retried)).toBe(true);
    expect(classifyError(retried).kind).toBe('account');
  });
});

describe('classifyError: plain status-carrying errors and the policies own errors', () => {
  it('maps { status } objects by the HTTP taxonomy', () => {
    expect(classifyError({ status: 400 }).kind).toBe('request');
    expect(classifyError(Object.assign(new Error('nope'), { status: 403 })).kind).toBe('account');
    expect(classifyError(Object.assign(new Error('nope'), { status: 408 })).kind).toBe('timeout');
    expect(classifyError(Object.assign(new Error('nope'), { status: 502 })).kind).toBe('transient');
    expect(
      classifyError(
        Object.assign(new Error('x'), { status: 429, headers: { 'x-ratelimit-reset-requests': '1m0s' } }),
      ),
    ).toMatchObject({ kind: 'throttled', retryAfterMs: 60_000 });
    expect(classifyError(new Error('wrapped', { cause: { status: 401 } })).kind).toBe('account');
    expect(classifyError({ status: 200 }).kind).toBe('transient');
    expect(classifyError('a string').kind).toBe('transient');
    expect(classifyError(null).kind).toBe('transient');
  });

  it('keeps the policy errors and survives hostile objects', () => {
    expect(classifyError(new TimeoutError(5)).kind).toBe('timeout');
    expect(classifyError(new BrokenCircuitError(1500))).toMatchObject({
      kind: 'rejected',
      retryAfterMs: 1500,
    });
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    expect(classifyError(hostile).kind).toBe('transient');
    const cyclic: { cause?: unknown } = {};
    cyclic.cause = cyclic;
    expect(classifyError(cyclic).kind).toBe('transient');
  });
});

describe('classifyError: fetch and undici against 127.0.0.1', () => {
  let silent: Server;
  let silentUrl: string;
  beforeAll(async () => {
    silent = createServer(() => {}); // never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  it('a refused connection (fetch failed, cause ECONNREFUSED) is transient, from global fetch and undici', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    for (const f of [fetch, undiciFetch]) {
      const err = await f(url).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(((err as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
      expect(classifyError(err).kind).toBe('transient');
    }
  });

  it('AbortSignal.timeout is a timeout, a caller abort is aborted', async () => {
    const timedOut = await fetch(silentUrl, { signal: AbortSignal.timeout(20) }).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
    expect(classifyError(timedOut).kind).toBe('timeout');
    const controller = new AbortController();
    const pending = undiciFetch(silentUrl, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const aborted = await pending;
    expect((aborted as Error).name).toBe('AbortError');
    expect(classifyError(aborted).kind).toBe('aborted');
  });

  it('errors from real OpenAI client calls against a loopback server', async () => {
    const server = createServer((req, res) => {
      if (req.url?.includes('limited')) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '9' });
        res.end(
          JSON.stringify({ error: { message: 'Rate limit', type: 'requests', code: 'rate_limit_exceeded' } }),
        );
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: 'maximum context length is 128000 tokens',
            code: 'context_length_exceeded',
            type: 'invalid_request_error',
          },
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const call = (baseURL: string, timeout?: number) =>
        new OpenAI({ baseURL, apiKey: 'k', maxRetries: 0, timeout }).chat.completions
          .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
          .catch((e: unknown) => e);
      const limited = await call(`${base}/limited/v1`);
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
      expect(classifyError(limited)).toMatchObject({ kind: 'throttled', retryAfterMs: 9000 });
      const tooLong = await call(`${base}/v1`);
      expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
      expect(classifyError(tooLong)).toMatchObject({ kind: 'request', reason: 'context_length' });
      const refused = await call(`http://127.0.0.1:${await closedPort()}/v1`);
      expect(refused).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(classifyError(refused).kind).toBe('transient');
      const slow = await call(silentUrl, 30);
      expect(slow).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      expect(classifyError(slow).kind).toBe('timeout');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('the core default classifier uses classifyError', () => {
  it('retry() does not retry a { status: 400 } but retries a 503', async () => {
    expect(defaultClassifier).toBeTypeOf('function');
    const policy = new RetryPolicy({ maxRetries: 3, backoff: new ConstantBackoff(0) });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls++;
        throw Object.assign(new Error('bad request'), { status: 400 });
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
    calls = 0;
    const value = await policy.execute(() => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('unavailable'), { status: 503 });
      return 'ok';
    });
    expect(value).toBe('ok');
    expect(calls).toBe(3);
  });
});
