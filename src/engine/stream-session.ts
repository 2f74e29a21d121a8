/**
 * Streaming with failover until the first content chunk. A candidate's stream is opened and read until
 * it yields content (or finishes); only then is it committed and handed to the caller. After that, a
 * failure or stall ends the stream with an `error` event and is recorded as a failure: a dead stream
 * never looks like a clean finish.
 * @packageDocumentation
 */

import type { BreakerPermit } from '../core/breaker/breaker-permit.js';
import { asAbortSignal, type CancelSignal } from '../core/cancel-signal.js';
import { failure, type Outcome, success } from '../core/outcome.js';
import { isContentChunk } from '../providers/sse-stream.js';
import type { ChatRequest, ProviderStream, StreamEvent } from '../providers/types.js';
import type { ModelRuntime } from './model-runtime.js';

/** A stream opened and read up to its first content chunk (or its end). */
export interface OpenedStream {
  readonly stream: ProviderStream;
  readonly iterator: AsyncIterator<StreamEvent>;
  /** Events read so far (role-only chunks, then the first content chunk or `done`). */
  readonly buffered: StreamEvent[];
}

/** Opens `rt`'s stream and reads it until content arrives; any failure before that is an outcome. */
export async function openUntilContent(
  rt: ModelRuntime,
  body: ChatRequest,
  signal: CancelSignal | undefined,
  remainingMs = Number.POSITIVE_INFINITY,
): Promise<Outcome<OpenedStream>> {
  const spec = rt.spec;
  const limits = {
    // The first chunk must come within the model's limit and before the request's deadline.
    ttftTimeoutMs: Math.max(1, Math.min(spec.ttftTimeoutMs ?? spec.timeoutMs, remainingMs)),
    idleTimeoutMs: spec.idleTimeoutMs,
  };
  // A provider that takes lean options gets the request's signal as it is; another gets an AbortSignal
  // linked to it (the link lives as long as the request's signal).
  const opened = await rt.provider.stream(
    body,
    rt.provider.leanCalls
      ? { cancel: signal, ...limits }
      : { signal: asAbortSignal(signal).signal, ...limits },
  );
  if (!opened.ok) return opened;
  const stream = opened.value;
  const iterator = stream[Symbol.asyncIterator]();
  const buffered: StreamEvent[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      stream.close();
      return failure(
        'transient',
        new Error(`${spec.id}: stream ended without a terminal event`),
        undefined,
        'stream_truncated',
      );
    }
    const event = next.value;
    if (event.type === 'error') {
      stream.close();
      return event.failure;
    }
    buffered.push(event);
    if (event.type === 'done' || isContentChunk(event.chunk)) return success({ stream, iterator, buffered });
  }
}

/** Called once when a committed stream ends. */
export type StreamEndHandler = (kind: 'success' | StreamEndKind, ttftMs: number | undefined) => void;

/** How a committed stream can end besides success. */
export type StreamEndKind = Exclude<StreamEvent, { type: 'chunk' } | { type: 'done' }>['failure']['kind'];

/**
 * Replays the buffered events, then the rest of the stream, settling the breaker permit and reporting
 * the end exactly once (also when the consumer stops early: that is neutral, like a caller abort).
 */
export async function* committedEvents(
  opened: OpenedStream,
  permit: BreakerPermit | undefined,
  startedAt: number,
  now: () => number,
  ttftMs: number,
  onEnd: StreamEndHandler,
): AsyncGenerator<StreamEvent> {
  let ended = false;
  const end = (kind: 'success' | StreamEndKind): void => {
    if (ended) return;
    ended = true;
    if (kind === 'success') permit?.record('success', now() - startedAt);
    else if (kind === 'aborted') permit?.release();
    else permit?.record(kind, now() - startedAt);
    onEnd(kind, ttftMs);
  };
  try {
    for (const event of opened.buffered) {
      if (event.type === 'done') end('success');
      yield event;
    }
    if (ended) return;
    for (;;) {
      const next = await opened.iterator.next();
      if (next.done) {
        const cut = failure(
          'transient',
          new Error('stream ended without a terminal event'),
          undefined,
          'stream_truncated',
        );
        end(cut.kind);
        yield { type: 'error', failure: cut };
        return;
      }
      const event = next.value;
      if (event.type === 'done') end('success');
      else if (event.type === 'error') end(event.failure.kind);
      yield event;
      if (event.type !== 'chunk') return;
    }
  } finally {
    if (!ended) end('aborted');
    opened.stream.close();
  }
}
