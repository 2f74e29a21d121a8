import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseChatBody,
  parseChatBodyWithSchema,
  parseSimpleChatBody,
} from '../../src/server/chat-request.js';
import { BAD_INPUT_CASES } from './bad-input-cases.js';
import { chatBody } from './helpers.js';

/** Parses a raw body the way the route sees it (JSON), or undefined when it is not JSON. */
function json(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

const long = (n: number) => 'x'.repeat(n);

/** Bodies of the common shape the fast path must answer itself. */
const SIMPLE_VALID: ReadonlyArray<readonly [string, unknown]> = [
  ['minimal', chatBody()],
  ['bench body', { model: 'fast', messages: [{ role: 'user', content: 'hi' }] }],
  ['stream true', chatBody({ stream: true })],
  ['stream false', chatBody({ stream: false })],
  ['temperature 0', chatBody({ temperature: 0 })],
  ['temperature 2', chatBody({ temperature: 2 })],
  ['temperature 0.7', chatBody({ temperature: 0.7 })],
  ['max_tokens 1', chatBody({ max_tokens: 1 })],
  ['max_tokens 10M', chatBody({ max_tokens: 10_000_000 })],
  ['user', chatBody({ user: 'u-1' })],
  ['empty user', chatBody({ user: '' })],
  ['user of 512', chatBody({ user: long(512) })],
  ['model of 256', chatBody({ model: long(256) })],
  ['empty content', chatBody({ messages: [{ role: 'user', content: '' }] })],
  [
    'every role',
    chatBody({
      messages: ['system', 'user', 'assistant', 'tool', 'developer'].map((role) => ({ role, content: 'c' })),
    }),
  ],
  [
    'all fields, other order',
    {
      user: 'u',
      max_tokens: 5,
      temperature: 1,
      stream: true,
      messages: [{ content: 'x', role: 'user' }],
      model: 'gpt-a',
    },
  ],
];

/** Valid bodies outside the common shape, and edge cases the fast path must leave to the schema. */
const OTHER: ReadonlyArray<readonly [string, unknown]> = [
  ['null temperature', chatBody({ temperature: null, stop: null })],
  ['unknown field', chatBody({ seed: 1 })],
  ['top_p', chatBody({ top_p: 0.5 })],
  ['named message', chatBody({ messages: [{ role: 'user', content: 'x', name: 'n' }] })],
  ['content parts', chatBody({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] })],
  ['null content', chatBody({ messages: [{ role: 'assistant', content: null }] })],
  ['tool calls, no content', chatBody({ messages: [{ role: 'assistant', tool_calls: [{ id: 'a' }] }] })],
  ['model of 257', chatBody({ model: long(257) })],
  ['user of 513', chatBody({ user: long(513) })],
  ['user a number', chatBody({ user: 5 })],
  ['temperature -0.1', chatBody({ temperature: -0.1 })],
  ['temperature 2.01', chatBody({ temperature: 2.01 })],
  ['temperature NaN', chatBody({ temperature: Number.NaN })],
  ['temperature Infinity', chatBody({ temperature: Number.POSITIVE_INFINITY })],
  ['max_tokens 10M+1', chatBody({ max_tokens: 10_000_001 })],
  ['max_tokens negative', chatBody({ max_tokens: -1 })],
  ['max_tokens string', chatBody({ max_tokens: '5' })],
  ['stream null', chatBody({ stream: null })],
  ['stream 1', chatBody({ stream: 1 })],
  ['role missing', chatBody({ messages: [{ content: 'x' }] })],
  ['role toString', chatBody({ messages: [{ role: 'toString', content: 'x' }] })],
  ['message an array', chatBody({ messages: [['user', 'x']] })],
  ['message null', chatBody({ messages: [null] })],
  [
    'second message bad',
    chatBody({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'bot', content: 'y' },
      ],
    }),
  ],
  ['null body', null],
  ['undefined body', undefined],
  ['a number', 42],
  ['an array of a body', [chatBody()]],
  ['no prototype', Object.assign(Object.create(null), chatBody())],
  [
    'own __proto__ key',
    JSON.parse('{"model":"gpt-a","messages":[{"role":"user","content":"x"}],"__proto__":{"x":1}}'),
  ],
];

describe('parseChatBody fast path', () => {
  it.each(SIMPLE_VALID)('answers the common body itself: %s', (_name, raw) => {
    const fast = parseSimpleChatBody(raw);
    expect(fast).toBeDefined();
    expect(fast).toEqual(parseChatBodyWithSchema(raw));
    expect(fast?.ok && fast.body).not.toBe(raw);
  });

  it.each(OTHER)('agrees with the schema: %s', (_name, raw) => {
    const fast = parseSimpleChatBody(raw);
    const schema = parseChatBodyWithSchema(raw);
    if (fast !== undefined) expect(fast).toEqual(schema);
    expect(parseChatBody(raw)).toEqual(schema);
  });

  it.each(BAD_INPUT_CASES)('agrees with the schema on the bad-input table: %s', (_name, payload) => {
    const parsed = json(payload);
    if (!parsed) return;
    const schema = parseChatBodyWithSchema(parsed.value);
    const fast = parseSimpleChatBody(parsed.value);
    if (fast !== undefined) expect(fast).toEqual(schema);
    const result = parseChatBody(parsed.value);
    expect(result).toEqual(schema);
    if (!result.ok && !schema.ok) {
      expect(result.message).toBe(schema.message);
      expect(result.param).toBe(schema.param);
    }
  });

  it('never disagrees with the schema on almost-valid bodies', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.double(), fc.integer());
    const body = fc.record(
      {
        model: fc.oneof(fc.constantFrom('gpt-a', ''), fc.string({ maxLength: 300 }), value),
        messages: fc.oneof(
          fc.array(
            fc.oneof(
              fc.record(
                {
                  role: fc.oneof(
                    fc.constantFrom('user', 'system', 'assistant', 'tool', 'developer'),
                    fc.string(),
                  ),
                  content: fc.oneof(fc.string(), value),
                  name: fc.string(),
                },
                { requiredKeys: [] },
              ),
              value,
            ),
            { maxLength: 3 },
          ),
          value,
        ),
        temperature: fc.oneof(fc.double({ min: -1, max: 3 }), value),
        max_tokens: fc.oneof(fc.integer({ min: -2, max: 10_000_002 }), value),
        stream: fc.oneof(fc.boolean(), value),
        user: fc.oneof(fc.string({ maxLength: 600 }), value),
        extra: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, (raw) => {
        const fast = parseSimpleChatBody(raw);
        const schema = parseChatBodyWithSchema(raw);
        if (fast !== undefined) expect(fast).toEqual(schema);
        expect(parseChatBody(raw)).toEqual(schema);
      }),
      { numRuns: 2000 },
    );
  });
});
