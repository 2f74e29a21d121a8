/**
 * Validation of `POST /v1/chat/completions` bodies (zod schema built once at module load). Errors name
 * the field at fault: `messages[0].role: expected one of system, user, assistant, tool, developer`.
 * Fields not listed here are passed through to the engine untouched.
 * @packageDocumentation
 */
import { z } from 'zod';
import { formatPath as formatIssuePath } from '../config/config-error.js';
import { isRecord } from '../providers/json.js';
import type { ChatRequest } from '../providers/types.js';

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

const ROLE_SET: ReadonlySet<unknown> = new Set<unknown>(ROLES);

/** True for a message of only `role` (a known role) and string `content`. */
function isSimpleMessage(value: unknown): boolean {
  if (!isRecord(value)) return false;
  let keys = 0;
  for (const k in value) {
    if (!Object.hasOwn(value, k)) return false;
    if (k !== 'role' && k !== 'content') return false;
    keys++;
  }
  return keys === 2 && ROLE_SET.has(value['role']) && typeof value['content'] === 'string';
}

/** True when `value` is valid for `key` of the common body shape (any other key: false). */
function isSimpleField(key: string, value: unknown): boolean {
  switch (key) {
    case 'model':
      return typeof value === 'string' && value.length >= 1 && value.length <= 256;
    case 'messages': {
      if (!Array.isArray(value) || value.length === 0) return false;
      for (let i = 0; i < value.length; i++) if (!isSimpleMessage(value[i])) return false;
      return true;
    }
    case 'stream':
      return typeof value === 'boolean';
    case 'temperature':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 2;
    case 'max_tokens':
      return Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= 10_000_000;
    case 'user':
      return typeof value === 'string' && value.length <= 512;
    default:
      return false;
  }
}

/**
 * The hand-written check for the common body (only `model`, `messages` of `{role, content: string}`,
 * `stream`, `temperature`, `max_tokens`, `user`, each of its simple valid type). Returns the result the
 * schema would give, or undefined when the body is anything else (the schema then decides, so every error
 * message comes from one place).
 */
export function parseSimpleChatBody(raw: unknown): ChatBodyResult | undefined {
  if (!isRecord(raw) || Object.getPrototypeOf(raw) !== Object.prototype) return undefined;
  let hasModel = false;
  let hasMessages = false;
  for (const k in raw) {
    if (!Object.hasOwn(raw, k) || !isSimpleField(k, raw[k])) return undefined;
    if (k === 'model') hasModel = true;
    else if (k === 'messages') hasMessages = true;
  }
  if (!hasModel || !hasMessages) return undefined;
  const body = { ...raw };
  return { ok: true, body: body as unknown as ChatRequest, stream: body['stream'] === true };
}

/** Validates a parsed JSON body. Null optional fields are dropped. */
export function parseChatBody(raw: unknown): ChatBodyResult {
  return parseSimpleChatBody(raw) ?? parseChatBodyWithSchema(raw);
}

/** {@link parseChatBody} through the zod schema only (the reference the fast path must agree with). */
export function parseChatBodyWithSchema(raw: unknown): ChatBodyResult {
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
