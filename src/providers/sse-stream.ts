/**
 * A {@link ProviderStream} over an SSE response body. A provider supplies a {@link StreamTranslator}
 * that turns SSE events into chunks or a terminal event; this class owns the reading, the TTFT/idle
 * limits and the rule that a stream ends with exactly one `done` or `error` event.
 * @packageDocumentation
 */

import type { CallWatch } from './call-watch.js';
import type { ClassifyContext } from './classify.js';
import { abortedFailure, malformedFailure } from './classify.js';
import { PlainChunkEvent } from './plain-chunk.js';
import type { SseEvent } from './sse.js';
import { SseEventIterator } from './sse-event-iterator.js';
import type { ChatCompletionChunk, ProviderStream, StreamEvent } from './types.js';

/** What one SSE event means: a chunk to emit, the end of the stream, or nothing (ping, metadata). */
export type TranslateResult =
  | { readonly chunk: ChatCompletionChunk; readonly text?: string }
  /** A plain content delta after content started, forwarded as this text and parsed only if read. */
  | { readonly plain: string }
  | { readonly end: Extract<StreamEvent, { type: 'done' } | { type: 'error' }> }
  | null;

/** Provider-specific meaning of the SSE events. */
export interface StreamTranslator {
  /**
   * Translates one event. `notPlain`: {@link plainAt} already looked at this event's data and did not
   * take it (no need to look again).
   */
  translate(event: SseEvent, notPlain?: boolean): TranslateResult;
  /**
   * Whether the one-line `data` at `[start, end)` of `text` (a network read viewed as Latin-1, see
   * `sse-frames.ts`) is a chunk to forward as the upstream sent it, without translating it: `undefined`
   * when not. Optional: a translator without it translates every event. Calls on one read come in order.
   */
  plainAt?(text: string, start: number, end: number): PlainVerdict;
  /** The terminal event for a body that ended without the provider's end marker. */
  endWithoutMarker(): Extract<StreamEvent, { type: 'done' } | { type: 'error' }>;
}

/** The readable body undici hands back (async iterable of bytes, destroyable). */
export interface StreamBody extends AsyncIterable<Uint8Array | string> {
  destroy(error?: Error): unknown;
  /** Optional: a piece that already arrived, without a promise (`undefined`: none queued). */
  readNow?(): Uint8Array | undefined;
  /**
   * Optional: nothing more will be read, but the response is let finish (what still comes is dropped) so
   * its keep-alive connection can serve another call; `done` runs when it has ended or failed. False when
   * it already ended (`done` is not called then).
   */
  drain?(done: () => void): boolean;
}

/**
 * How long a stream that delivered its last event may take to end its response (typically the chunked
 * encoding's last, empty chunk, which servers often write a moment after the `[DONE]` frame) before the
 * connection is dropped rather than reused.
 */
export const DRAIN_LIMIT_MS = 2_000;

/** Limits for a stream after its headers arrived. */
export interface StreamLimits {
  /** Time allowed until the first content chunk (already running since the request started). */
  readonly ttftTimeoutMs?: number;
  /** Time allowed between two events once content flows. */
  readonly idleTimeoutMs?: number;
}

/**
 * A chunk forwarded as it came: it carries `content`, or is `empty` (a role, an empty string), or that is
 * `unknown` without parsing it; `undefined`: not such a chunk.
 */
export type PlainVerdict = 'content' | 'empty' | 'unknown' | undefined;

/**
 * {@link isContentChunk} for a chunk event: a chunk forwarded unparsed that knows whether it carries
 * content answers without being parsed.
 */
export function isContentEvent(event: Extract<StreamEvent, { type: 'chunk' }>): boolean {
  const known = event instanceof PlainChunkEvent ? event.hasContent : undefined;
  return known ?? isContentChunk(event.chunk);
}

/** True for a chunk that carries content (text, tool calls or a finish reason), not just a role. */
export function isContentChunk(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices) {
    if (choice.finish_reason) return true;
    const { delta } = choice;
    if ((delta.content !== undefined && delta.content !== null && delta.content !== '') || delta.tool_calls) {
      return true;
    }
  }
  return false;
}

/** An SSE-backed provider stream. Iterate it once. */
export class SseProviderStream implements ProviderStream {
  private started = false;
  private finished = false;
  private sawContent = false;

  constructor(
    private readonly body: StreamBody,
    private readonly watch: CallWatch,
    private readonly translator: StreamTranslator,
    private readonly ctx: ClassifyContext,
    private readonly limits: StreamLimits,
  ) {}

  /** Stops reading and releases the connection. Safe to call more than once. */
  close(): void {
    if (this.finished) return;
    this.watch.closed = true;
    this.release();
  }

  /**
   * The events, read as the body arrives. A hand-written iterator rather than an async generator: events
   * that arrive together (one network read often carries several) are handed out from a queue without a
   * generator's suspend/resume per event.
   */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.started) throw new Error('a provider stream can be iterated only once');
    this.started = true;
    return new SseEventIterator(this);
  }

  /** @internal The body's byte iterator. */
  bodyIterator(): AsyncIterator<Uint8Array | string> {
    return this.body[Symbol.asyncIterator]();
  }

  /** @internal A piece of the body that already arrived, without a promise (`undefined`: none at hand). */
  bodyNow(): Uint8Array | undefined {
    return this.finished ? undefined : this.body.readNow?.();
  }

  /** @internal True once released (closed by the consumer, or ended). */
  get released(): boolean {
    return this.finished;
  }

  /** @internal The terminal event for a body that ended (or failed with `err`) without one. */
  endOfBody(failed: boolean, err: unknown): StreamEvent {
    if (failed) return { type: 'error', failure: this.watch.failureFor(err, this.ctx) };
    if (this.watch.closed || this.watch.expired || this.watch.callerAborted) {
      return { type: 'error', failure: this.watch.failureFor(undefined, this.ctx) };
    }
    return this.translator.endWithoutMarker();
  }

  /** @internal The terminal event for a stream that broke the SSE caps (line, event or total size). */
  tooLargeEvent(reason: string): StreamEvent {
    return {
      type: 'error',
      failure: malformedFailure(this.ctx, `the event stream broke a size limit: ${reason}`),
    };
  }

  /**
   * @internal The consumer is waiting for the next event: the idle limit runs (once content flowed). Time
   * the consumer spends on an event (a client reading slowly) is not the upstream's: see {@link pauseIdle}.
   */
  resumeIdle(): void {
    if (this.sawContent) this.watch.arm(this.limits.idleTimeoutMs, 'idle');
  }

  /** @internal An event was handed to the consumer: the idle limit stops until it asks for the next. */
  pauseIdle(): void {
    if (this.sawContent) this.watch.arm(undefined, 'idle');
  }

  /** @internal The event for a stream closed before it was read. */
  closedEvent(): StreamEvent {
    return { type: 'error', failure: abortedFailure(this.ctx, 'the stream was closed by its consumer') };
  }

  /** @internal Translates one SSE event (`undefined`: nothing to emit) and re-arms the idle limit. */
  step(event: SseEvent, notPlain?: boolean): StreamEvent | undefined {
    const result = this.translator.translate(event, notPlain);
    if (result === null) {
      if (this.sawContent) this.watch.arm(this.limits.idleTimeoutMs, 'idle');
      return undefined;
    }
    if ('plain' in result) {
      const event = PlainChunkEvent.ofText(result.plain);
      if (!this.sawContent && isContentEvent(event)) this.sawContent = true;
      if (this.sawContent) this.watch.arm(this.limits.idleTimeoutMs, 'idle');
      return event;
    }
    if ('end' in result) return result.end;
    if (!this.sawContent && isContentChunk(result.chunk)) this.sawContent = true;
    if (this.sawContent) this.watch.arm(this.limits.idleTimeoutMs, 'idle');
    return result.text === undefined
      ? { type: 'chunk', chunk: result.chunk }
      : { type: 'chunk', chunk: result.chunk, text: result.text };
  }

  /**
   * @internal Translates one simple frame `data: X\n\n` of a network read (`bytes[start, end)` up to its
   * `\n\n`, `text` the read as Latin-1). A chunk the translator passes as it came stays bytes (no idle
   * re-arm: the read that brought it ends with {@link pauseIdle}); any other is decoded and translated.
   */
  stepFrame(
    bytes: Buffer,
    text: string,
    start: number,
    end: number,
    id: string | undefined,
  ): StreamEvent | undefined {
    const dataStart = start + 6;
    const plain = this.translator.plainAt?.(text, dataStart, end);
    if (plain !== undefined) {
      const event = PlainChunkEvent.ofFrame(
        bytes,
        start,
        end + 2,
        plain === 'unknown' ? undefined : plain === 'content',
      );
      // The first content switches the time limit from the first chunk's to the idle one.
      if (!this.sawContent && isContentEvent(event)) {
        this.sawContent = true;
        this.watch.arm(this.limits.idleTimeoutMs, 'idle');
      }
      return event;
    }
    const data = bytes.toString('utf8', dataStart, end);
    const event = id === undefined ? { event: 'message', data } : { event: 'message', data, id };
    // A translator with `plainAt` looked at this frame above and did not take it.
    const step = this.step(event, this.translator.plainAt !== undefined);
    // What goes out as this frame's own bytes: a chunk whose text is this frame's data unchanged, and the
    // OpenAI end marker. Another translator's end (or a chunk it rebuilt) is written by the gateway.
    if (step?.type === 'chunk' && step.text === data) {
      return {
        type: 'chunk',
        chunk: step.chunk,
        text: data,
        frameBytes: bytes,
        frameStart: start,
        frameEnd: end + 2,
      };
    }
    if (step?.type === 'done' && data === '[DONE]')
      return { type: 'done', frameBytes: bytes, frameStart: start, frameEnd: end + 2 };
    return step;
  }

  /**
   * @internal Stops the timers and the body. Idempotent. `complete`: the stream delivered its last event,
   * so the rest of the response (usually just the end of its chunked encoding) is let finish, within
   * {@link DRAIN_LIMIT_MS}, and its connection goes back to the pool instead of being closed.
   */
  release(complete = false): void {
    if (this.finished) return;
    this.finished = true;
    if (complete && this.body.drain?.(() => this.watch.dispose())) {
      this.watch.arm(DRAIN_LIMIT_MS, 'drain');
      return;
    }
    this.watch.dispose();
    this.body.destroy();
  }
}
