import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUT_CASES } from './bad-input-cases.js';
import { chatBody, type Harness, harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await harness({ server: { bodyLimitBytes: 4096 } });
});
afterAll(async () => {
  await h.app.close();
});

const post = (payload: string, contentType = 'application/json') =>
  h.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload,
    headers: { 'content-type': contentType },
  });

describe('bad input table', () => {
  const cases = BAD_INPUT_CASES;

  it.each(cases)('%s → %i', async (_name, payload, status, message) => {
    const res = await post(payload);
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.message).toContain(message);
    expect(res.body).not.toMatch(/\n\s+at /);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('names the parameter at fault', async () => {
    const res = await post(
      JSON.stringify(
        chatBody({
          messages: [
            { role: 'user', content: 'x' },
            { role: 'bot', content: 'y' },
          ],
        }),
      ),
    );
    expect(res.json().error.param).toBe('messages[1].role');
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
  ])('wrong content type %s → 415', async (type) => {
    const res = await post(JSON.stringify(chatBody()), type);
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('accepts application/json with a charset and null optional fields', async () => {
    const res = await post(
      JSON.stringify(chatBody({ temperature: null, stop: null })),
      'application/json; charset=utf-8',
    );
    expect(res.statusCode).toBe(200);
    expect('temperature' in h.backend.requests.at(-1)!.body).toBe(false);
  });
});

const json = fc.jsonValue({ maxDepth: 3 });
const almostValidBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom('gpt-a', 'fast', 'main-chain', 'nope'), fc.string(), json),
    messages: fc.oneof(
      fc.array(
        fc.record(
          {
            role: fc.oneof(fc.constantFrom('user', 'system', 'assistant', 'tool'), fc.string()),
            content: fc.oneof(fc.string(), json),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      json,
    ),
    temperature: fc.oneof(fc.double(), json),
    max_tokens: fc.oneof(fc.integer(), json),
    stream: fc.oneof(fc.boolean(), json),
    user: fc.oneof(fc.string(), json),
  },
  { requiredKeys: [] },
);
const bodyArb = fc.oneof(
  almostValidBody.map((b) => JSON.stringify(b)),
  json.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
);
const contentTypeArb = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/octet-stream',
    'text/event-stream',
    '',
    'application/json; charset=latin1',
  ),
  fc.string({ maxLength: 40 }).filter((s) => /^[\x21-\x7e ]*$/.test(s)),
);
const headerValue = fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const headersArb = fc.dictionary(
  fc.oneof(
    fc
      .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
      .filter((n) => !['content-length', 'transfer-encoding', 'host', 'connection'].includes(n)),
    fc.constantFrom(
      'authorization',
      'x-api-key',
      'x-admin-key',
      'x-request-id',
      'x-hive-capabilities',
      'x-hive-request-key',
      'origin',
      'accept',
      'x-forwarded-for',
    ),
  ),
  headerValue,
  { maxKeys: 5 },
);
const PATHS = [
  '/v1/chat/completions',
  '/v1/models',
  '/health/live',
  '/health/ready',
  '/health/models',
  '/metrics',
  '/admin/v1/flags',
  '/admin/v1/breakers/gpt-a/isolate',
  '/admin/v1/audit',
  '/v1/chat/completions?x=1',
  '/%zz',
  '/v1//models',
  '/admin/v1/flags/%2e%2e',
];
const pathArb = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
);
const methodArb = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');

describe('fuzz', () => {
  it('never answers 5xx or crashes for random chat bodies, headers and content types', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, contentTypeArb, headersArb, async (payload, contentType, headers) => {
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/chat/completions',
          payload,
          headers: { ...headers, 'content-type': contentType },
        });
        expect(res.statusCode).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json().error).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('never answers 5xx for random methods and paths on the public routes', async () => {
    await fc.assert(
      fc.asyncProperty(
        methodArb,
        pathArb,
        headersArb,
        fc.option(bodyArb),
        async (method, url, headers, payload) => {
          const res = await h.app.inject({
            method,
            url,
            headers: { ...headers, 'content-type': 'application/json' },
            ...(payload !== null && method !== 'GET' && method !== 'HEAD' ? { payload } : {}),
            remoteAddress: '10.9.9.9',
          });
          expect(res.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });
});
