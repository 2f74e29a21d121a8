/**
 * A {@link ProviderStream} over an SSE response body. A provider supplies a {@link StreamTranslator}
 * that turns SSE events into chunks or a terminal event; this class owns the reading, the TTFT/idle
 * limits and the rule that a stream ends with exactly one `done` or `error` event.
 * @packageDocumentation
 */

import type { PullNowIterator } from '../core/stream-commit.js';
import type { CallWatch } from './call-watch.js';
import type { ClassifyContext } from './classify.js';
import { abortedFailure, malformedFailure } from './classify.js';
import { PlainChunkEvent } from './plain-chunk.js';
import { type SseEvent, SseParser } from './sse.js';
import { type FrameSink, readFrames } from './sse-frames.js';
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
  /** Translates one event. */
  translate(event: SseEvent): TranslateResult;
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
}

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
  step(event: SseEvent): StreamEvent | undefined {
    const result = this.translator.translate(event);
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
    return this.step(id === undefined ? { event: 'message', data } : { event: 'message', data, id });
  }

  /** @internal Stops the timers and the body. Idempotent. */
  release(): void {
    if (this.finished) return;
    this.finished = true;
    this.watch.dispose();
    this.body.destroy();
  }
}

const END: IteratorResult<StreamEvent> = Object.freeze({ done: true, value: undefined });

/**
 * Reads a stream's body, parses SSE and queues the translated events; ends after exactly one terminal
 * event (`done` or `error`), releasing the stream before handing that event out.
 */
class SseEventIterator implements PullNowIterator<StreamEvent>, FrameSink {
  private readonly queue: StreamEvent[] = [];
  private head = 0;
  /** A terminal event is queued (nothing is read after it). */
  private ending = false;
  /** The terminal event was handed out (or the consumer returned). */
  private over = false;
  private readonly parser = new SseParser();
  private body: AsyncIterator<Uint8Array | string> | undefined;

  constructor(private readonly stream: SseProviderStream) {
    if (stream.released) this.enqueueTerminal(stream.closedEvent());
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    const queued = this.shift();
    if (queued) return Promise.resolve(queued);
    if (this.over) return Promise.resolve(END);
    return this.read();
  }

  /** An event already read (or the end), without a promise; `undefined` when the body must be read. */
  nextNow(): IteratorResult<StreamEvent> | undefined {
    return this.shift() ?? (this.over ? END : undefined);
  }

  return(): Promise<IteratorResult<StreamEvent>> {
    this.over = true;
    this.queue.length = 0;
    this.head = 0;
    this.stream.release();
    return Promise.resolve(END);
  }

  private shift(): IteratorResult<StreamEvent> | undefined {
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head++]!;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    if (event.type !== 'chunk') this.over = true;
    return { done: false, value: event };
  }

  private async read(): Promise<IteratorResult<StreamEvent>> {
    this.body ??= this.stream.bodyIterator();
    this.stream.resumeIdle();
    while (!this.ending) {
      let piece: IteratorResult<Uint8Array | string>;
      try {
        piece = await this.body.next();
      } catch (err) {
        this.enqueueTerminal(this.stream.endOfBody(true, err));
        break;
      }
      if (piece.done) {
        this.take(this.parser.end());
        if (this.parser.error && !this.ending)
          this.enqueueTerminal(this.stream.tooLargeEvent(this.parser.error));
        if (!this.ending) this.enqueueTerminal(this.stream.endOfBody(false, undefined));
        break;
      }
      const value = piece.value;
      if (typeof value === 'string') this.take(this.parser.push(value));
      else readFrames(this.parser, value, this);
      if (this.parser.error && !this.ending)
        this.enqueueTerminal(this.stream.tooLargeEvent(this.parser.error));
      if (this.head < this.queue.length) break;
    }
    if (!this.ending) this.stream.pauseIdle();
    return this.shift() ?? END;
  }

  /** Queues the events of one read up to (and including) a terminal one. */
  private take(events: readonly SseEvent[]): void {
    for (const e of events) if (!this.add(this.stream.step(e))) return;
  }

  /** @internal {@link FrameSink}: one simple frame of a read. */
  frame(bytes: Buffer, text: string, start: number, end: number): boolean {
    return this.add(this.stream.stepFrame(bytes, text, start, end, this.parser.lastEventId));
  }

  /** @internal {@link FrameSink}: events the parser read from part of a read. */
  events(events: readonly SseEvent[]): boolean {
    this.take(events);
    return !this.ending;
  }

  /** Queues a translated event; false once a terminal one is queued (nothing is read after it). */
  private add(step: StreamEvent | undefined): boolean {
    if (step === undefined) return true;
    if (step.type !== 'chunk') {
      this.enqueueTerminal(step);
      return false;
    }
    this.queue.push(step);
    return true;
  }

  private enqueueTerminal(event: StreamEvent): void {
    this.ending = true;
    this.stream.release();
    this.queue.push(event);
  }
}
