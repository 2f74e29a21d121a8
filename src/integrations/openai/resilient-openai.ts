/**
 * A thin resilient face for the official `openai` client (v6): `chat.completions.create` across several
 * clients and models, tried in order with health, a breaker per target, retries with backoff and
 * fallback; streams fail over until their first content chunk. Only the `openai` package's types are
 * used; the clients are the caller's own (each keeps its base URL, key and timeout).
 * @packageDocumentation
 */
import type OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import { failure } from '../../core/outcome.js';
import { readUntilCommit } from '../../core/stream-commit.js';
import { ModelPool, type ModelPoolOptions, type PoolCallContext, type PoolCandidate } from '../model-pool.js';

/** One place a request may go: a client and the model name to ask it for. */
export interface OpenAITarget {
  readonly client: OpenAI;
  readonly model: string;
  /** Breaker and health key (default `model@baseURL`). */
  readonly name?: string;
}

/** Options of {@link resilientOpenAI}. */
export interface ResilientOpenAIOptions extends ModelPoolOptions {
  /** Share breakers and health with other wrappers (default: a pool of its own from these options). */
  readonly pool?: ModelPool;
}

/** Per-call options: the caller's abort signal. */
export interface ResilientCallOptions {
  readonly signal?: AbortSignal;
}

/** Body of a non-streaming call: the SDK's own params; `model` is optional (each target names its own). */
export type ResilientChatParams = Omit<ChatCompletionCreateParamsNonStreaming, 'model'> & { model?: string };
/** Body of a streaming call. */
export type ResilientChatStreamParams = Omit<ChatCompletionCreateParamsStreaming, 'model'> & {
  model?: string;
};

/** A committed stream: the chunks of the target that answered. */
export interface ResilientChatStream extends AsyncIterable<ChatCompletionChunk> {
  /** The target that serves this stream. */
  readonly target: string;
}

/** What {@link resilientOpenAI} returns. */
export interface ResilientOpenAI {
  readonly chat: {
    readonly completions: {
      /** A completion from the first target that answers. */
      create(body: ResilientChatParams, options?: ResilientCallOptions): Promise<ChatCompletion>;
      /** A stream from the first target whose stream reaches its first content chunk. */
      create(body: ResilientChatStreamParams, options?: ResilientCallOptions): Promise<ResilientChatStream>;
    };
  };
  /** The breakers and health of the targets. */
  readonly pool: ModelPool;
  /** The targets' names, in fallback order. */
  readonly targets: readonly string[];
}

/** Thrown into a consumer's loop when a committed stream ends without a finish reason. */
export class IncompleteStreamError extends Error {
  override readonly name = 'IncompleteStreamError';
}

function targetName(t: OpenAITarget): string {
  return t.name ?? `${t.model}@${t.client.baseURL}`;
}

function hasContent(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (
      (delta.content !== undefined && delta.content !== null && delta.content !== '') ||
      delta.tool_calls?.length
    ) {
      return true;
    }
    if (choice.finish_reason) return true;
  }
  return false;
}

async function openStream(
  pool: ModelPool,
  target: OpenAITarget,
  name: string,
  body: ResilientChatStreamParams,
  ctx: PoolCallContext,
): Promise<ResilientChatStream> {
  const stream = await target.client.chat.completions.create(
    { ...body, model: target.model, stream: true },
    { signal: ctx.signal, maxRetries: 0 },
  );
  const iterator = stream[Symbol.asyncIterator]();
  const read = await readUntilCommit<ChatCompletionChunk>(
    iterator,
    (chunk) => (hasContent(chunk) ? 'commit' : 'buffer'),
    () =>
      failure('transient', new IncompleteStreamError(`${name}: the stream ended before its first content`)),
  );
  if (!read.ok) {
    stream.controller.abort();
    throw read.error;
  }
  const buffered = read.value.buffered;
  const settle = ctx.defer();
  async function* replay(): AsyncGenerator<ChatCompletionChunk> {
    let finished = false;
    let ok = false;
    try {
      for (const chunk of buffered) {
        if (chunk.choices.some((c) => c.finish_reason)) finished = true;
        yield chunk;
      }
      buffered.length = 0;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        if (next.value.choices.some((c) => c.finish_reason)) finished = true;
        yield next.value;
      }
      if (!finished) throw new IncompleteStreamError(`${name}: the stream ended before it finished`);
      ok = true;
      settle('success');
    } catch (error) {
      settle(pool.classifyFailure(error).kind);
      throw error;
    } finally {
      // A consumer that stops early (break) cancels the upstream; that is neither a success nor a failure.
      if (!ok) {
        settle('aborted');
        stream.controller.abort();
      }
    }
  }
  return { target: name, [Symbol.asyncIterator]: replay };
}

/**
 * Wraps `targets` (tried in order, failed ones last) behind `chat.completions.create`. The clients'
 * own retries are turned off for these calls (`maxRetries: 0`): the pool retries instead.
 * @throws RangeError when `targets` is empty
 */
export function resilientOpenAI(
  targets: readonly OpenAITarget[],
  options: ResilientOpenAIOptions = {},
): ResilientOpenAI {
  if (targets.length === 0) throw new RangeError('resilientOpenAI: expected at least one target');
  const pool = options.pool ?? new ModelPool(options);
  const named = targets.map((t) => ({ target: t, name: targetName(t) }));

  function create(body: ResilientChatParams, options?: ResilientCallOptions): Promise<ChatCompletion>;
  function create(
    body: ResilientChatStreamParams,
    options?: ResilientCallOptions,
  ): Promise<ResilientChatStream>;
  function create(
    body: ResilientChatParams | ResilientChatStreamParams,
    callOptions: ResilientCallOptions = {},
  ): Promise<ChatCompletion | ResilientChatStream> {
    if (body.stream === true) {
      const streamBody = body as ResilientChatStreamParams;
      const candidates: PoolCandidate<ResilientChatStream>[] = named.map(({ target, name }) => ({
        name,
        call: (ctx) => openStream(pool, target, name, streamBody, ctx),
      }));
      return pool.run(candidates, callOptions.signal);
    }
    const plain = body as ResilientChatParams;
    const candidates: PoolCandidate<ChatCompletion>[] = named.map(({ target, name }) => ({
      name,
      call: (ctx) =>
        target.client.chat.completions.create(
          { ...plain, model: target.model, stream: false },
          { signal: ctx.signal, maxRetries: 0 },
        ),
    }));
    return pool.run(candidates, callOptions.signal);
  }

  return {
    chat: { completions: { create } },
    pool,
    targets: named.map((n) => n.name),
  };
}
