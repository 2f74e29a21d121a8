import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/core/llm-failure-rules.js';
import type { FailureKind } from '../../src/core/outcome.js';
import {
  classifyErrorPayload,
  classifyHttpFailure,
  classifyTransportError,
  parseDurationMs,
  parseRetryAfterMs,
} from '../../src/providers/classify.js';
import { ProviderError, redactSecrets } from '../../src/providers/provider-error.js';

const ctx = { provider: 'openai', model: 'gpt-test', secrets: ['sk-secret-key-1234567890'] };
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

interface Case {
  name: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  kind: FailureKind;
  retryAfterMs?: number;
  reason?: string;
}

const openaiError = (message: string, code: string | null = null, type = 'invalid_request_error') => ({
  error: { message, type, param: null, code },
});
const anthropicError = (type: string, message: string) => ({ type: 'error', error: { type, message } });

const cases: Case[] = [
  {
    name: '429 retry-after seconds',
    status: 429,
    headers: { 'retry-after': '2' },
    kind: 'throttled',
    retryAfterMs: 2000,
  },
  {
    name: '429 retry-after HTTP date',
    status: 429,
    headers: { 'retry-after': new Date(NOW + 30_000).toUTCString() },
    kind: 'throttled',
    retryAfterMs: 30_000,
  },
  {
    name: '429 retry-after-ms wins',
    status: 429,
    headers: { 'retry-after-ms': '150', 'retry-after': '9' },
    kind: 'throttled',
    retryAfterMs: 150,
  },
  {
    name: '429 reset-requests 6m0s',
    status: 429,
    headers: { 'x-ratelimit-reset-requests': '6m0s' },
    kind: 'throttled',
    retryAfterMs: 360_000,
  },
  {
    name: '429 reset-tokens 20ms',
    status: 429,
    headers: { 'x-ratelimit-reset-tokens': '20ms' },
    kind: 'throttled',
    retryAfterMs: 20,
  },
  {
    name: '429 exhausted tokens picks the token reset',
    status: 429,
    headers: {
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '7s',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-remaining-requests': '5',
    },
    kind: 'throttled',
    retryAfterMs: 7000,
  },
  { name: '429 without headers', status: 429, kind: 'throttled' },
  {
    name: '429 insufficient_quota is account',
    status: 429,
    body: openaiError('You exceeded your current quota', 'insufficient_quota'),
    kind: 'account',
  },
  { name: '500', status: 500, kind: 'transient' },
  { name: '502', status: 502, body: '<html>bad gateway</html>', kind: 'transient' },
  {
    name: '503 with retry-after',
    status: 503,
    headers: { 'retry-after': '1' },
    kind: 'transient',
    retryAfterMs: 1000,
  },
  {
    name: '529 overloaded',
    status: 529,
    body: anthropicError('overloaded_error', 'Overloaded'),
    kind: 'transient',
    reason: 'overloaded',
  },
  { name: '504 gateway timeout', status: 504, kind: 'timeout' },
  { name: '408 request timeout', status: 408, kind: 'timeout' },
  {
    name: 'openai context_length_exceeded',
    status: 400,
    body: openaiError("This model's maximum context length is 8192 tokens.", 'context_length_exceeded'),
    kind: 'request',
    reason: 'context_length',
  },
  {
    name: 'anthropic prompt is too long',
    status: 400,
    body: anthropicError('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'),
    kind: 'request',
    reason: 'context_length',
  },
  {
    name: 'generic maximum context length',
    status: 400,
    body: { message: 'exceeds maximum context length' },
    kind: 'request',
    reason: 'context_length',
  },
  { name: 'plain 400', status: 400, body: openaiError('temperature must be <= 2'), kind: 'request' },
  {
    name: '404',
    status: 404,
    body: openaiError('The model does not exist', 'model_not_found'),
    kind: 'request',
  },
  { name: '422', status: 422, body: { detail: 'validation error' }, kind: 'request' },
  {
    name: '401',
    status: 401,
    body: openaiError('Incorrect API key provided', 'invalid_api_key'),
    kind: 'account',
  },
  { name: '403', status: 403, kind: 'account' },
  { name: '402', status: 402, kind: 'account' },
  {
    name: '400 credit balance too low',
    status: 400,
    body: anthropicError(
      'invalid_request_error',
      'Your credit balance is too low to access the Anthropic API.',
    ),
    kind: 'account',
  },
  {
    name: '400 billing',
    status: 400,
    body: openaiError('Billing hard limit has been reached'),
    kind: 'account',
  },
  { name: '403 quota', status: 403, body: { error: 'Quota exceeded' }, kind: 'account' },
];

describe('classifyHttpFailure', () => {
  it.each(cases)('$name → $kind', (c) => {
    const body = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
    const f = classifyHttpFailure({ status: c.status, headers: c.headers, body, wallNowMs: NOW }, ctx);
    expect(f.ok).toBe(false);
    expect(f.kind).toBe(c.kind);
    expect(f.retryAfterMs).toBe(c.retryAfterMs);
    expect(f.reason).toBe(c.reason);
    expect(f.error).toBeInstanceOf(ProviderError);
    const err = f.error as ProviderError;
    expect(err.status).toBe(c.status);
    expect(err.provider).toBe('openai');
    expect(err.model).toBe('gpt-test');
  });

  it('keeps the upstream message and code, and never the API key', () => {
    const body = JSON.stringify(
      openaiError(
        'Incorrect API key provided: sk-secret-key-1234567890. Authorization: Bearer sk-secret-key-1234567890',
        'invalid_api_key',
      ),
    );
    const f = classifyHttpFailure({ status: 401, body }, ctx);
    const err = f.error as ProviderError;
    expect(err.code).toBe('invalid_api_key');
    expect(err.upstreamMessage).toContain('Incorrect API key provided');
    expect(err.message).toContain('HTTP 401');
    expect(JSON.stringify(err)).not.toContain('sk-secret');
    expect(err.message).not.toContain('sk-secret');
  });
});

describe('parseDurationMs and parseRetryAfterMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['3', 3000],
    ['', undefined],
    ['soon', undefined],
    ['5 s', 5000],
    ['1m 30s', 90_000],
    ['5 parsecs', undefined],
  ])('%s → %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('clamps a past HTTP date to zero and ignores garbage', () => {
    expect(parseRetryAfterMs({ 'retry-after': new Date(NOW - 5000).toUTCString() }, NOW)).toBe(0);
    expect(parseRetryAfterMs({ 'retry-after': 'later' }, NOW)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
  });
});

describe('classifyTransportError', () => {
  const err = (code: string, name = 'Error') => Object.assign(new Error(`boom ${code}`), { code, name });
  it.each([
    ['ECONNREFUSED', 'transient'],
    ['ECONNRESET', 'transient'],
    ['UND_ERR_SOCKET', 'transient'],
    ['EPIPE', 'transient'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['ETIMEDOUT', 'timeout'],
    ['UND_ERR_ABORTED', 'aborted'],
  ] as const)('%s → %s', (code, kind) => {
    const f = classifyTransportError(err(code), ctx);
    expect(f.kind).toBe(kind);
    expect((f.error as ProviderError).code).toBe(code);
  });

  it('reads a code from the cause chain and treats AbortError/TimeoutError by name', () => {
    expect(classifyTransportError(new Error('fetch failed', { cause: err('ECONNREFUSED') }), ctx).kind).toBe(
      'transient',
    );
    expect(classifyTransportError(Object.assign(new Error('x'), { name: 'AbortError' }), ctx).kind).toBe(
      'aborted',
    );
    expect(classifyTransportError(Object.assign(new Error('x'), { name: 'TimeoutError' }), ctx).kind).toBe(
      'timeout',
    );
    expect(classifyTransportError('weird', ctx).kind).toBe('transient');
  });
});

describe('classifyErrorPayload (errors inside a 200 or a stream)', () => {
  it.each([
    [anthropicError('overloaded_error', 'Overloaded'), 'transient', 'overloaded'],
    [anthropicError('rate_limit_error', 'slow down'), 'throttled', undefined],
    [anthropicError('authentication_error', 'bad key'), 'account', undefined],
    [anthropicError('api_error', 'internal'), 'transient', undefined],
    [openaiError('prompt is too long', null), 'request', 'context_length'],
    [openaiError('bad', null, 'invalid_request_error'), 'request', undefined],
  ] as const)('%j → %s', (payload, kind, reason) => {
    const f = classifyErrorPayload(payload, ctx);
    expect(f.kind).toBe(kind);
    expect(f.reason).toBe(reason);
  });
});

describe('redactSecrets', () => {
  it('removes keys, bearer tokens and exact secrets, and truncates', () => {
    const text = redactSecrets('key sk-abcdefghijklmnop and Bearer abc.def.ghi.jkl and mysecretvalue', [
      'mysecretvalue',
    ]);
    expect(text).not.toMatch(/sk-abcdefgh|abc\.def|mysecretvalue/);
    expect(redactSecrets('x'.repeat(2000)).length).toBeLessThan(600);
  });
});

describe('parseRetryAfter', () => {
  it('parses seconds and HTTP dates', () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('garbage', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
