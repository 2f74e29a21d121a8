/**
 * The chaos upstream's fault language: what can go wrong, per model name, by sequence, or for one
 * request through the `x-chaos-fault` header.
 * @packageDocumentation
 */
import { z } from 'zod';

/**
 * One fault (all fields optional; `{}` is a normal answer). Fields combine, e.g.
 * `{ latencyMs: 200, status: 503 }` waits then fails.
 */
export interface ChaosFault {
  /** Answer with this HTTP status and an error body of the right shape (OpenAI or Anthropic). */
  readonly status?: number;
  /** Error `type`/`code` in the error body (default: the usual one for the status). */
  readonly errorType?: string;
  /** Error message in the error body. */
  readonly message?: string;
  /** `Retry-After` header value: seconds, or an HTTP date. */
  readonly retryAfter?: number | string;
  /** `retry-after-ms` header value. */
  readonly retryAfterMs?: number;
  /** Extra response headers (e.g. `x-ratelimit-reset-requests`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Delay before the response starts, ms. */
  readonly latencyMs?: number;
  /** Streams: delay between the headers and the first content chunk, ms. */
  readonly ttftMs?: number;
  /** Streams: delay between content chunks, ms. */
  readonly chunkIntervalMs?: number;
  /** Streams: send this many content chunks, then go silent with the connection open. */
  readonly stallAfterChunks?: number;
  /** Streams: send this many content chunks, then destroy the connection. */
  readonly cutAfterChunks?: number;
  /** Streams: send this many content chunks, then an in-stream error event, then end. */
  readonly streamErrorAfterChunks?: number;
  /** Invalid JSON: the whole body (non-streaming) or a chunk (streaming). */
  readonly malformed?: boolean;
  /** A 200 with an empty body (non-streaming) or a stream with no events. */
  readonly empty?: boolean;
  /** Destroy the connection before responding. */
  readonly reset?: boolean;
  /** Streams: end cleanly without a finish reason and without `[DONE]` / `message_stop`. */
  readonly noDone?: boolean;
  /** A 400 "context length exceeded" error of the right shape. */
  readonly contextLength?: boolean;
  /** Answer with this text (e.g. a wrong answer for canary probes). */
  readonly answer?: string;
}

/** A fault, a preset name (see {@link FAULT_PRESETS}), or a sequence of them. */
export type FaultRule =
  | ChaosFault
  | string
  | {
      /** Faults for the 1st, 2nd, … request to this model (`{}` or `"ok"` = a normal answer). */
      readonly sequence: ReadonlyArray<ChaosFault | string>;
      /** After the sequence: start over (`true`) or use `after` (default: answer normally). */
      readonly repeat?: boolean;
      /** What every request after the sequence gets (default `{}`). */
      readonly after?: ChaosFault | string;
    };

/** Faults by model name; `"*"` applies to models without their own rule (and to `GET /v1/models`). */
export type FaultSpec = Readonly<Record<string, FaultRule>>;

/** Named faults usable as a rule, in a sequence, or in the `x-chaos-fault` header. */
export const FAULT_PRESETS: Readonly<Record<string, ChaosFault>> = {
  ok: {},
  reset: { reset: true },
  malformed: { malformed: true },
  empty: { empty: true },
  stall: { stallAfterChunks: 1 },
  cut: { cutAfterChunks: 1 },
  no_done: { noDone: true },
  context_length: { contextLength: true },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  bad_request: { status: 400 },
  not_found: { status: 404 },
  rate_limit: { status: 429, retryAfter: 1 },
  server_error: { status: 500 },
  unavailable: { status: 503 },
  overloaded: { status: 529 },
  insufficient_quota: {
    status: 429,
    errorType: 'insufficient_quota',
    message: 'You exceeded your current quota.',
  },
  slow: { latencyMs: 1000 },
  wrong_answer: { answer: 'This answer is deliberately wrong.' },
  stream_error: { streamErrorAfterChunks: 1 },
};

const count = z.number().int().min(0);
const ms = z.number().min(0).max(600_000);
const faultSchema = z.strictObject({
  status: z.number().int().min(100).max(599).optional(),
  errorType: z.string().optional(),
  message: z.string().optional(),
  retryAfter: z.union([z.number().min(0), z.string()]).optional(),
  retryAfterMs: ms.optional(),
  headers: z.record(z.string(), z.string()).optional(),
  latencyMs: ms.optional(),
  ttftMs: ms.optional(),
  chunkIntervalMs: ms.optional(),
  stallAfterChunks: count.optional(),
  cutAfterChunks: count.optional(),
  streamErrorAfterChunks: count.optional(),
  malformed: z.boolean().optional(),
  empty: z.boolean().optional(),
  reset: z.boolean().optional(),
  noDone: z.boolean().optional(),
  contextLength: z.boolean().optional(),
  answer: z.string().optional(),
});
const presetSchema = z.string().refine((name) => name in FAULT_PRESETS || /^\d{3}$/.test(name), {
  message: `expected a fault preset (${Object.keys(FAULT_PRESETS).join(', ')}) or a 3-digit status`,
});
const sequenceSchema = z.strictObject({
  sequence: z.array(z.unknown()),
  repeat: z.boolean().optional(),
  after: z.unknown().optional(),
});

function issues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map(
    (i) => `${[prefix, ...i.path.map(String)].filter((p) => p !== '').join('.') || '(root)'}: ${i.message}`,
  );
}

function checkFault(value: unknown, path: string, problems: string[]): void {
  const result = typeof value === 'string' ? presetSchema.safeParse(value) : faultSchema.safeParse(value);
  if (!result.success) problems.push(...issues(path, result.error));
}

/** Validates a fault spec; throws a `TypeError` naming every bad path. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TypeError('invalid fault spec: expected an object keyed by model name (or "*")');
  }
  const problems: string[] = [];
  for (const [model, rule] of Object.entries(input)) {
    if (typeof rule === 'object' && rule !== null && 'sequence' in rule) {
      const seq = sequenceSchema.safeParse(rule);
      if (!seq.success) {
        problems.push(...issues(model, seq.error));
        continue;
      }
      for (const [i, step] of seq.data.sequence.entries())
        checkFault(step, `${model}.sequence.${i}`, problems);
      if (seq.data.after !== undefined) checkFault(seq.data.after, `${model}.after`, problems);
    } else {
      checkFault(rule, model, problems);
    }
  }
  if (problems.length > 0) throw new TypeError(`invalid fault spec: ${problems.join('; ')}`);
  return input as FaultSpec;
}

/** Resolves a preset name, a status code (`"503"`) or a fault object into a fault. */
export function toFault(value: ChaosFault | string): ChaosFault {
  if (typeof value !== 'string') return value;
  if (/^\d{3}$/.test(value)) return { status: Number(value) };
  return FAULT_PRESETS[value] ?? {};
}

/**
 * Parses the `x-chaos-fault` request header: a preset name, a status code, or a JSON fault object.
 * @throws TypeError when the header is not one of those.
 */
export function parseFaultHeader(value: string): ChaosFault {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new TypeError('x-chaos-fault: not valid JSON');
    }
    const result = faultSchema.safeParse(parsed);
    if (!result.success) throw new TypeError(`x-chaos-fault: ${issues('', result.error).join('; ')}`);
    return result.data;
  }
  const preset = presetSchema.safeParse(trimmed);
  if (!preset.success)
    throw new TypeError(`x-chaos-fault: ${preset.error.issues[0]?.message ?? 'unknown fault'}`);
  return toFault(trimmed);
}

/** Picks the fault for the `n`-th (0-based) request under `rule`. */
export function faultAt(rule: FaultRule, n: number): ChaosFault {
  if (typeof rule === 'string') return toFault(rule);
  if ('sequence' in rule) {
    const { sequence } = rule;
    if (n < sequence.length) return toFault(sequence[n]!);
    if (rule.repeat && sequence.length > 0) return toFault(sequence[n % sequence.length]!);
    return rule.after === undefined ? {} : toFault(rule.after);
  }
  return rule;
}
