/**
 * The iterator behind an {@link SseProviderStream}: reads the body, hands simple frames to the stream's
 * translator without the general parser (`sse-frames.ts`) and the rest through {@link SseParser}, and
 * queues the events of one read so they go out without a promise each.
 * @packageDocumentation
 */
import type { PullNowIterator } from '../core/stream-commit.js';
import { type SseEvent, SseParser } from './sse.js';
import { type FrameSink, readFrames } from './sse-frames.js';
import type { SseProviderStream } from './sse-stream.js';
import type { StreamEvent } from './types.js';

const END: IteratorResult<StreamEvent> = Object.freeze({ done: true, value: undefined });

/**
 * Reads a stream's body, parses SSE and queues the translated events; ends after exactly one terminal
 * event (`done` or `error`), releasing the stream before handing that event out.
 */
/** @internal */
export class SseEventIterator implements PullNowIterator<StreamEvent>, FrameSink {
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

  /**
   * An event already read (or the end), without a promise; `undefined` when the body must be read. Bytes
   * that already arrived are read here too (no promise for the read that brought the headers).
   */
  nextNow(): IteratorResult<StreamEvent> | undefined {
    const queued = this.shift();
    if (queued) return queued;
    if (this.over) return END;
    if (this.ending) return undefined;
    let piece = this.stream.bodyNow();
    if (piece === undefined) return undefined;
    while (piece !== undefined) {
      this.consume(piece);
      if (this.ending || this.head < this.queue.length) break;
      piece = this.stream.bodyNow();
    }
    // As after a read: no idle limit while the consumer holds an event (see `read`).
    if (!this.ending) this.stream.pauseIdle();
    return this.shift();
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
      this.consume(piece.value);
      if (this.head < this.queue.length) break;
    }
    if (!this.ending) this.stream.pauseIdle();
    return this.shift() ?? END;
  }

  /** Parses one piece of the body and queues its events (a broken cap ends the stream). */
  private consume(value: Uint8Array | string): void {
    if (typeof value === 'string') this.take(this.parser.push(value));
    else readFrames(this.parser, value, this);
    if (this.parser.error && !this.ending) this.enqueueTerminal(this.stream.tooLargeEvent(this.parser.error));
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
    // A finished answer lets its response end (the connection is reused); a failed one is cut off.
    this.stream.release(event.type === 'done');
    this.queue.push(event);
  }
}
