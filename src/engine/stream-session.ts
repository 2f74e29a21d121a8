/**
 * Streaming with failover until the first content chunk. A candidate's stream is opened and read until
 * it yields content (or finishes); only then is it committed and handed to the caller. After that, a
 * failure or stall ends the stream with an `error` event and is recorded as a failure: a dead stream
 * never looks like a clean finish.
 * @packageDocumentation
 */

import type { BreakerPermit } from '../core/breaker/breaker-permit.js';
import { asAbortSignal, type CancelSignal } from '../core/cancel-signal.js';
import { type Failure, failure, type Outcome, success } from '../core/outcome.js';
import {
  type CommitDecision,
  commitNow,
  nextNow,
  type PullNowIterator,
  readUntilCommit,
} from '../core/stream-commit.js';
import { isContentEvent } from '../providers/sse-stream.js';
import type { ChatRequest, ProviderStream, StreamEvent } from '../providers/types.js';
import type { CompiledModel } from './compiled-model.js';

/** A stream opened and read up to its first content chunk (or its end). */
export interface OpenedStream {
  readonly stream: ProviderStream;
  readonly iterator: AsyncIterator<StreamEvent>;
  /** Events read so far (role-only chunks, then the first content chunk or `done`). */
  readonly buffered: StreamEvent[];
}

/** Opens `rt`'s stream and reads it until content arrives; any failure before that is an outcome. */
export async function openUntilContent(
  rt: CompiledModel,
  body: ChatRequest,
  signal: CancelSignal | undefined,
  remainingMs = Number.POSITIVE_INFINITY,
): Promise<Outcome<OpenedStream>> {
  const spec = rt.spec;
  // The first chunk must come within the model's limit and before the request's deadline.
  const ttftTimeoutMs = Math.max(1, Math.min(spec.ttftTimeoutMs ?? spec.timeoutMs, remainingMs));
  const idleTimeoutMs = spec.idleTimeoutMs;
  // A provider that takes lean options gets the request's signal as it is; another gets an AbortSignal
  // linked to it (the link lives as long as the request's signal).
  const opened = await rt.provider.stream(
    body,
    rt.provider.leanCalls
      ? { cancel: signal, ttftTimeoutMs, idleTimeoutMs }
      : { signal: asAbortSignal(signal).signal, ttftTimeoutMs, idleTimeoutMs },
  );
  if (!opened.ok) return opened;
  const stream = opened.value;
  const iterator = stream[Symbol.asyncIterator]();
  const ended = (): Failure =>
    failure(
      'transient',
      new Error(`${spec.id}: stream ended without a terminal event`),
      undefined,
      'stream_truncated',
    );
  // The first read usually came with the headers: committed without a promise then.
  const buffered: StreamEvent[] = [];
  const read =
    commitNow(iterator, commitDecision, ended, buffered) ??
    (await readUntilCommit(iterator, commitDecision, ended, buffered));
  if (!read.ok) {
    stream.close();
    return read;
  }
  return success({ stream, iterator: read.value.iterator, buffered: read.value.buffered });
}

/** Where a stream commits: on its first content (or its end); a failure before that is an outcome. */
function commitDecision(event: StreamEvent): CommitDecision {
  return event.type === 'error'
    ? event.failure
    : event.type === 'done' || isContentEvent(event)
      ? 'commit'
      : 'buffer';
}

/** Called once when a committed stream ends. */
export type StreamEndHandler = (kind: 'success' | StreamEndKind, ttftMs: number | undefined) => void;

/** How a committed stream can end besides success. */
export type StreamEndKind = Exclude<StreamEvent, { type: 'chunk' } | { type: 'done' }>['failure']['kind'];

/**
 * Replays the buffered events, then the rest of the stream, settling the breaker permit and reporting
 * the end exactly once (also when the consumer stops early: that is neutral, like a caller abort).
 * A hand-written iterator (no async generator): each event costs one pass-through of the provider's.
 */
export function committedEvents(
  opened: OpenedStream,
  permit: BreakerPermit | undefined,
  startedAt: number,
  now: () => number,
  ttftMs: number,
  onEnd: StreamEndHandler,
): PullNowIterator<StreamEvent> & { return(): Promise<IteratorResult<StreamEvent>>; close(): void } {
  return new CommittedStream(opened, permit, startedAt, now, ttftMs, onEnd);
}

const END: IteratorResult<StreamEvent> = Object.freeze({ done: true, value: undefined });

class CommittedStream implements PullNowIterator<StreamEvent> {
  private replayed = 0;
  private ended = false;
  private over = false;

  constructor(
    private readonly opened: OpenedStream,
    private readonly permit: BreakerPermit | undefined,
    private readonly startedAt: number,
    private readonly now: () => number,
    private readonly ttftMs: number,
    private readonly onEnd: StreamEndHandler,
  ) {}

  next(): Promise<IteratorResult<StreamEvent>> {
    if (this.over) return Promise.resolve(END);
    const buffered = this.opened.buffered;
    if (this.replayed < buffered.length) return Promise.resolve(this.pass(buffered[this.replayed++]!));
    return this.opened.iterator.next().then(this.onNext, this.onError);
  }

  nextNow(): IteratorResult<StreamEvent> | undefined {
    if (this.over) return END;
    const buffered = this.opened.buffered;
    if (this.replayed < buffered.length) return this.pass(buffered[this.replayed++]!);
    const next = nextNow(this.opened.iterator);
    return next === undefined ? undefined : this.onNext(next);
  }

  // Bound once per stream (not two closures per event).
  private readonly onNext = (next: IteratorResult<StreamEvent>): IteratorResult<StreamEvent> => {
    if (this.over) return END;
    if (next.done) {
      const cut = failure(
        'transient',
        new Error('stream ended without a terminal event'),
        undefined,
        'stream_truncated',
      );
      return this.pass({ type: 'error', failure: cut });
    }
    // A chunk passes on in the result it came in (no new object per chunk).
    return next.value.type === 'chunk' ? next : this.pass(next.value);
  };

  private readonly onError = (error: unknown): never => {
    this.finish();
    throw error;
  };

  return(): Promise<IteratorResult<StreamEvent>> {
    this.finish();
    return Promise.resolve(END);
  }

  /** {@link return} without the promise (the caller closes the stream and awaits nothing). */
  close(): void {
    this.finish();
  }

  /** Hands an event out; a terminal one settles the permit, reports the end and closes the stream. */
  private pass(event: StreamEvent): IteratorResult<StreamEvent> {
    if (event.type === 'done') this.end('success');
    else if (event.type === 'error') this.end(event.failure.kind);
    if (event.type !== 'chunk') this.finish();
    return { done: false, value: event };
  }

  private end(kind: 'success' | StreamEndKind): void {
    if (this.ended) return;
    this.ended = true;
    const permit = this.permit;
    if (kind === 'success') permit?.record('success', this.now() - this.startedAt);
    else if (kind === 'aborted') permit?.release();
    else permit?.record(kind, this.now() - this.startedAt);
    this.onEnd(kind, this.ttftMs);
  }

  /** No more events: a stream that did not end yet ends as aborted (neutral); the provider stream closes. */
  private finish(): void {
    if (this.over) return;
    this.over = true;
    if (!this.ended) this.end('aborted');
    this.opened.stream.close();
  }
}
