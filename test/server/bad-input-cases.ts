/**
 * The bad-input table: [name, raw body, expected status, text the error message contains]. Shared by the
 * HTTP test (bad-input.test.ts) and the parser agreement test (chat-request.test.ts).
 */
import { chatBody } from './helpers.js';

/** Bodies the gateway must reject (or, for an unknown model, answer 404). */
export const BAD_INPUT_CASES: ReadonlyArray<readonly [string, string, number, string]> = [
  ['invalid JSON', '{"model": "gpt-a", "messages": [', 400, 'not valid JSON'],
  ['empty body', '', 400, 'empty'],
  ['a JSON array', '[]', 400, '(root): expected a JSON object'],
  ['a JSON string', '"hello"', 400, 'expected a JSON object'],
  ['missing model', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }), 400, 'model: required'],
  ['empty model', JSON.stringify(chatBody({ model: '' })), 400, 'model: expected a non-empty string'],
  [
    'numeric model',
    JSON.stringify(chatBody({ model: 42 })),
    400,
    'model: expected a non-empty string (got 42)',
  ],
  ['missing messages', JSON.stringify({ model: 'gpt-a' }), 400, 'messages: required'],
  ['empty messages', JSON.stringify(chatBody({ messages: [] })), 400, 'messages: expected a non-empty array'],
  [
    'messages not an array',
    JSON.stringify(chatBody({ messages: 'hi' })),
    400,
    'messages: expected a non-empty array of messages',
  ],
  [
    'bad role',
    JSON.stringify(chatBody({ messages: [{ role: 'wizard', content: 'x' }] })),
    400,
    'messages[0].role: expected one of system, user, assistant, tool, developer',
  ],
  [
    'missing content',
    JSON.stringify(chatBody({ messages: [{ role: 'user' }] })),
    400,
    'messages[0].content: required',
  ],
  [
    'numeric content',
    JSON.stringify(chatBody({ messages: [{ role: 'user', content: 5 }] })),
    400,
    'messages[0].content',
  ],
  [
    'message not an object',
    JSON.stringify(chatBody({ messages: ['hi'] })),
    400,
    'messages[0]: expected an object',
  ],
  [
    'temperature too high',
    JSON.stringify(chatBody({ temperature: 3 })),
    400,
    'temperature: expected a number from 0 to 2',
  ],
  [
    'temperature a string',
    JSON.stringify(chatBody({ temperature: 'hot' })),
    400,
    'temperature: expected a number from 0 to 2',
  ],
  [
    'max_tokens zero',
    JSON.stringify(chatBody({ max_tokens: 0 })),
    400,
    'max_tokens: expected a positive integer',
  ],
  [
    'max_tokens fractional',
    JSON.stringify(chatBody({ max_tokens: 1.5 })),
    400,
    'max_tokens: expected a positive integer',
  ],
  ['stream a string', JSON.stringify(chatBody({ stream: 'yes' })), 400, 'stream: expected true or false'],
  ['unknown model', JSON.stringify(chatBody({ model: 'no-such-model' })), 404, 'no-such-model'],
  [
    'prototype poisoning',
    '{"model":"gpt-a","messages":[{"role":"user","content":"x"}],"__proto__":{"x":1}}',
    400,
    '',
  ],
  [
    'constructor poisoning',
    '{"model":"gpt-a","messages":[{"role":"user","content":"x"}],"constructor":{"prototype":{"x":1}}}',
    400,
    '',
  ],
  [
    'too large',
    JSON.stringify(chatBody({ pad: 'x'.repeat(5000) })),
    413,
    'larger than the limit of 4096 bytes',
  ],
];
