/**
 * Streaming failover for AI SDK models: a candidate's stream is read up to its first content part
 * before it is committed; a stream that fails or ends before that fails the attempt (the pool moves on).
 * After the commit a failure is passed on as an `error` part and recorded against the model; a stream
 * that ends without its `finish` part ends with an `error` part too, never as a clean finish.
 * @packageDocumentation
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import { failure } from '../../core/outcome.js';
import { readUntilCommit } from '../../core/stream-commit.js';
import type { ModelPool, PoolCallContext } from '../model-pool.js';

/** Parts that may come before any content without committing the stream. */
const PRE_CONTENT: ReadonlySet<LanguageModelV3StreamPart['type']> = new Set([
  'stream-start',
  'response-metadata',
  'text-start',
  'reasoning-start',
  'raw',
]);

/** Thrown (to the pool) when a stream ends before any content or finish. */
export class StreamEndedEarlyError extends Error {
  override readonly name = 'StreamEndedEarlyError';
}

/** An async iterator over a web stream's reader (`return` cancels the stream). */
function partsOf<T>(stream: ReadableStream<T>): AsyncIterator<T> & {
  return(reason?: unknown): Promise<IteratorResult<T>>;
} {
  const reader = stream.getReader();
  return {
    next: async () => {
      const r = await reader.read();
      return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
    },
    return: async (reason?: unknown) => {
      await reader.cancel(reason);
      return { done: true, value: undefined };
    },
  };
}

/**
 * Opens `model`'s stream and reads it up to its first content part (or `finish`); returns a stream
 * replaying what was read and then the rest, settling the pool's deferred permit when it ends.
 */
export async function openUntilContent(
  pool: ModelPool,
  open: (options: LanguageModelV3CallOptions) => PromiseLike<LanguageModelV3StreamResult>,
  options: LanguageModelV3CallOptions,
  ctx: PoolCallContext,
): Promise<LanguageModelV3StreamResult> {
  const opened = await open(ctx.signal === undefined ? options : { ...options, abortSignal: ctx.signal });
  const iterator = partsOf(opened.stream);
  const read = await readUntilCommit<LanguageModelV3StreamPart>(
    iterator,
    (part) =>
      part.type === 'error'
        ? pool.classifyFailure(part.error)
        : PRE_CONTENT.has(part.type)
          ? 'buffer'
          : 'commit',
    () => failure('transient', new StreamEndedEarlyError('the stream ended before its first content')),
  );
  if (!read.ok) {
    iterator.return().catch(() => {});
    throw read.error;
  }
  const buffered = read.value.buffered;
  let finished = buffered[buffered.length - 1]?.type === 'finish';
  const settle = ctx.defer();
  if (finished) settle('success');
  let failed = false;
  const stream = new ReadableStream<LanguageModelV3StreamPart>({
    start(controller) {
      for (const part of buffered) controller.enqueue(part);
      buffered.length = 0;
      if (finished) controller.close();
    },
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (done) {
          if (!finished && !failed) {
            settle('transient');
            controller.enqueue({
              type: 'error',
              error: new StreamEndedEarlyError('the stream ended before it finished'),
            });
          }
          controller.close();
          return;
        }
        if (value.type === 'error') {
          failed = true;
          settle(pool.classifyFailure(value.error).kind);
        }
        if (value.type === 'finish') {
          finished = true;
          settle('success');
        }
        controller.enqueue(value);
      } catch (error) {
        settle(pool.classifyFailure(error).kind);
        controller.enqueue({ type: 'error', error });
        controller.close();
      }
    },
    cancel(reason) {
      settle('aborted');
      return iterator.return(reason).then(() => {});
    },
  });
  return { ...opened, stream };
}

/** The pool key of an AI SDK model: `provider:modelId`. */
export function modelKey(model: LanguageModelV3): string {
  return `${model.provider}:${model.modelId}`;
}
