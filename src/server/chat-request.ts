/**
 * Validation of `POST /v1/chat/completions` bodies (zod schema built once at module load). Errors name
 * the field at fault: `messages[0].role: expected one of system, user, assistant, tool, developer`.
 * Fields not listed here are passed through to the engine untouched.
 * @packageDocumentation
 */
import { z } from 'zod';
import type { ChatRequest } from '../providers/types.js';
import { formatIssuePath } from './field-path.js';

const ROLES = ['system', 'user', 'assistant', 'tool', 'developer'] as const;

/** An error function: `required` when the field is missing, else `message`. */
const expected = (message: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'required' : `${message} (got ${describeValue(issue.input)})`;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

const contentPart = z.record(z.string(), z.unknown(), { error: 'expected an object' });
const messageSchema = z
  .looseObject(
    {
      role: z.enum(ROLES, { error: expected(`expected one of ${ROLES.join(', ')}`) }),
      content: z
        .union([z.string(), z.null(), z.array(contentPart)], {
          error: expected('expected a string, null, or an array of content parts'),
        })
        .optional(),
      name: z.string({ error: expected('expected a string') }).optional(),
      tool_calls: z.array(contentPart, { error: expected('expected an array of tool calls') }).optional(),
      tool_call_id: z.string({ error: expected('expected a string') }).optional(),
    },
    { error: expected('expected an object with role and content') },
  )
  .superRefine((m, ctx) => {
    if (m.content === undefined && !(m.role === 'assistant' && m.tool_calls)) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'required' });
    }
  });

const numberIn = (min: number, max: number) => {
  const msg = `expected a number from ${min} to ${max}`;
  return z
    .number({ error: expected(msg) })
    .min(min, { error: expected(msg) })
    .max(max, { error: expected(msg) })
    .nullish();
};
const positiveInt = () => {
  const msg = 'expected a positive integer';
  return z
    .int({ error: expected(msg) })
    .positive({ error: expected(msg) })
    .max(10_000_000, { error: expected(msg) })
    .nullish();
};

/** The chat request body schema. */
export const chatBodySchema = z.looseObject(
  {
    model: z
      .string({ error: expected('expected a non-empty string') })
      .min(1, { error: expected('expected a non-empty string') })
      .max(256, { error: expected('expected a name of at most 256 characters') }),
    messages: z
      .array(messageSchema, { error: expected('expected a non-empty array of messages') })
      .min(1, { error: expected('expected a non-empty array of messages') }),
    temperature: numberIn(0, 2),
    top_p: numberIn(0, 1),
    presence_penalty: numberIn(-2, 2),
    frequency_penalty: numberIn(-2, 2),
    max_tokens: positiveInt(),
    max_completion_tokens: positiveInt(),
    n: z
      .int({ error: expected('expected an integer from 1 to 128') })
      .min(1)
      .max(128)
      .nullish(),
    stream: z.boolean({ error: expected('expected true or false') }).nullish(),
    stream_options: z.looseObject({}, { error: expected('expected an object') }).nullish(),
    stop: z
      .union([z.string(), z.array(z.string()).max(16)], {
        error: expected('expected a string or an array of strings'),
      })
      .nullish(),
    tools: z.array(contentPart, { error: expected('expected an array of tool definitions') }).nullish(),
    response_format: z.record(z.string(), z.unknown(), { error: expected('expected an object') }).nullish(),
    user: z
      .string({ error: expected('expected a string') })
      .max(512)
      .nullish(),
  },
  { error: expected('expected a JSON object') },
);

/** A validated chat request, or the reason it is not one. */
export type ChatBodyResult =
  | { readonly ok: true; readonly body: ChatRequest; readonly stream: boolean }
  | { readonly ok: false; readonly message: string; readonly param: string | null };

const NULLABLE_KEYS = [
  'temperature',
  'top_p',
  'presence_penalty',
  'frequency_penalty',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'stream',
  'stream_options',
  'stop',
  'tools',
  'response_format',
  'user',
] as const;

/** Validates a parsed JSON body. Null optional fields are dropped. */
export function parseChatBody(raw: unknown): ChatBodyResult {
  const result = chatBodySchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 3);
    const message = issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`).join('; ');
    const first = issues[0];
    return { ok: false, message, param: first && first.path.length > 0 ? formatIssuePath(first.path) : null };
  }
  // Pass the caller's object through (unknown fields intact); only drop explicit nulls.
  const body = { ...(raw as Record<string, unknown>) };
  for (const k of NULLABLE_KEYS) if (body[k] === null) delete body[k];
  return { ok: true, body: body as ChatRequest, stream: body['stream'] === true };
}

const CAPABILITY = /^[a-z][a-z0-9_-]{0,31}$/;

/** Parses `x-hive-capabilities: tools,json`; undefined when absent, an error message when malformed. */
export function parseCapabilities(
  header: string | string[] | undefined,
): readonly string[] | undefined | { error: string } {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(',') : header;
  const caps = text
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
  if (caps.length > 16) return { error: 'x-hive-capabilities: at most 16 capabilities' };
  for (const c of caps) {
    if (!CAPABILITY.test(c))
      return { error: `x-hive-capabilities: "${c.slice(0, 40)}" is not a capability name` };
  }
  return caps.length > 0 ? caps : undefined;
}
