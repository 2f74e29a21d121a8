/**
 * A Server-Sent Events parser that accepts the stream in arbitrary pieces: a line, a field, a CRLF or a
 * multi-byte UTF-8 character may be split across reads. Follows the WHATWG event-stream rules
 * (LF, CR or CRLF line ends; `:` comments; multi-line `data`; one optional space after the colon).
 * @packageDocumentation
 */

import { StringDecoder } from 'node:string_decoder';

/** One dispatched event. `event` is `'message'` when the stream did not name one. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
  readonly retry?: number;
}

const LF = 10;

/** Default {@link SseLimits.maxLineChars}: 1 MiB of text on one line. */
export const DEFAULT_SSE_MAX_LINE_CHARS = 1024 * 1024;
/** Default {@link SseLimits.maxEventChars}: 4 MiB of `data` in one event. */
export const DEFAULT_SSE_MAX_EVENT_CHARS = 4 * 1024 * 1024;
/** Default {@link SseLimits.maxTotalChars}: 32 MiB of text in one stream. */
export const DEFAULT_SSE_MAX_TOTAL_CHARS = 32 * 1024 * 1024;

/** Caps on what one stream may send (characters of decoded text); a violation ends the parse. */
export interface SseLimits {
  /** Longest line (default {@link DEFAULT_SSE_MAX_LINE_CHARS}). */
  readonly maxLineChars?: number;
  /** Most `data` in one event (default {@link DEFAULT_SSE_MAX_EVENT_CHARS}). */
  readonly maxEventChars?: number;
  /** Most text in the whole stream (default {@link DEFAULT_SSE_MAX_TOTAL_CHARS}). */
  readonly maxTotalChars?: number;
}

/**
 * An incremental SSE parser: feed it with {@link SseParser.push}, finish with {@link SseParser.end}.
 * Linear in its input: a partial line is kept as pieces and joined once, when its line break arrives.
 * Past a cap it stops: {@link SseParser.error} says which, and later input is ignored.
 */
export class SseParser {
  /** Pieces of the line still waiting for its line break (no break inside any). */
  private partial: string[] = [];
  private partialChars = 0;
  private totalChars = 0;
  private decoder: StringDecoder | undefined;
  private pendingCR = false;
  private started = false;
  private data: string | undefined;
  private eventName = '';
  private lastId: string | undefined;
  private retry: number | undefined;
  /** The last byte pushed was a line feed, so the decoder holds no partial character. */
  private decoderIdle = true;
  private readonly maxLine: number;
  private readonly maxEvent: number;
  private readonly maxTotal: number;
  /** Why parsing stopped (a cap was exceeded), or undefined. */
  error: string | undefined;

  constructor(limits: SseLimits = {}) {
    this.maxLine = limits.maxLineChars ?? DEFAULT_SSE_MAX_LINE_CHARS;
    this.maxEvent = limits.maxEventChars ?? DEFAULT_SSE_MAX_EVENT_CHARS;
    this.maxTotal = limits.maxTotalChars ?? DEFAULT_SSE_MAX_TOTAL_CHARS;
  }

  /** Feeds a piece of the stream (text, or bytes decoded as UTF-8) and returns the events it completes. */
  push(chunk: string | Uint8Array): SseEvent[] {
    if (this.error) return [];
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      if (!this.decoder) this.decoder = new StringDecoder('utf8');
      text = this.decoder.write(chunk);
      if (chunk.length > 0) this.decoderIdle = chunk[chunk.length - 1] === LF;
    }
    const out: SseEvent[] = [];
    this.feed(text, out);
    return out;
  }

  /**
   * Ends the stream: a last line without a line break is processed, and a pending event that lacks its
   * closing blank line is dispatched (lenient, as real servers sometimes end that way).
   */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.error) return out;
    if (this.decoder) this.feed(this.decoder.end(), out);
    if (this.error) return out;
    if (this.partial.length > 0) this.line(this.takeLine(''), out);
    if (!this.error) this.dispatch(out);
    return out;
  }

  /**
   * True between events: everything pushed so far is parsed and dispatched (no partial line, field or
   * character, no pending CR), and the stream's start (a byte-order mark) is behind. A reader may then
   * handle a whole `data: …\n\n` frame itself (see `sse-frames.ts`), keeping the parser's caps with
   * {@link account} and {@link frameFits}.
   */
  atFrameBoundary(): boolean {
    return (
      this.error === undefined &&
      this.started &&
      this.partial.length === 0 &&
      this.data === undefined &&
      !this.pendingCR &&
      this.decoderIdle &&
      this.eventName === '' &&
      this.retry === undefined
    );
  }

  /**
   * Tells a parser that has read nothing yet that the stream does not start with a byte-order mark, so a
   * frame reader may take its first frame too (see {@link atFrameBoundary}).
   */
  beginWithoutBom(): void {
    if (!this.started && this.totalChars === 0 && this.decoderIdle) this.started = true;
  }

  /** True when a one-line frame of `lineChars`, `dataChars` of them its `data`, fits the line and event caps. */
  frameFits(lineChars: number, dataChars: number): boolean {
    return lineChars <= this.maxLine && dataChars <= this.maxEvent;
  }

  /**
   * Counts `chars` read around the parser (a frame its reader handled) toward the stream's total; false,
   * with {@link error} set, when that breaks the cap.
   */
  account(chars: number): boolean {
    if (this.error) return false;
    this.totalChars += chars;
    if (this.totalChars <= this.maxTotal) return true;
    this.fail(`the stream exceeded ${this.maxTotal} characters`);
    return false;
  }

  /** The last event id the stream set (`id:`), which events without their own carry on. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  private fail(reason: string): void {
    this.error = reason;
    this.partial = [];
    this.partialChars = 0;
    this.data = undefined;
  }

  /** The waiting pieces plus `tail`, as one line; clears the pieces. */
  private takeLine(tail: string): string {
    if (this.partial.length === 0) return tail;
    const pieces = this.partial;
    if (tail !== '') pieces.push(tail);
    this.partial = [];
    this.partialChars = 0;
    return pieces.length === 1 ? pieces[0]! : pieces.join('');
  }

  private feed(input: string, out: SseEvent[]): void {
    let text = input;
    if (text === '') return;
    this.totalChars += text.length;
    if (this.totalChars > this.maxTotal) {
      this.fail(`the stream exceeded ${this.maxTotal} characters`);
      return;
    }
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    // Line breaks are found with indexOf (native, far faster than a loop over char codes). The next CR
    // and the next LF are each searched again only once passed, so the scan stays linear.
    let start = 0;
    let nextLF = text.indexOf('\n');
    let nextCR = text.indexOf('\r');
    while (nextLF !== -1 || nextCR !== -1) {
      const i = nextCR === -1 || (nextLF !== -1 && nextLF < nextCR) ? nextLF : nextCR;
      const tail = text.slice(start, i);
      if (this.partialChars + tail.length > this.maxLine) {
        this.fail(`a line exceeded ${this.maxLine} characters`);
        return;
      }
      this.line(this.takeLine(tail), out);
      if (this.error) return;
      start = i + 1;
      if (i === nextCR) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === LF) start = i + 2;
        } else {
          this.pendingCR = true;
        }
      }
      if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf('\n', start);
      if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf('\r', start);
    }
    if (start < text.length) {
      const rest = start === 0 ? text : text.slice(start);
      this.partialChars += rest.length;
      if (this.partialChars > this.maxLine) {
        this.fail(`a line exceeded ${this.maxLine} characters`);
        return;
      }
      this.partial.push(rest);
    }
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        if ((this.data?.length ?? 0) + value.length > this.maxEvent) {
          this.fail(`an event exceeded ${this.maxEvent} characters`);
          return;
        }
        this.data = this.data === undefined ? value : `${this.data}\n${value}`;
        break;
      case 'event':
        this.eventName = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data !== undefined) {
      const event: { event: string; data: string; id?: string; retry?: number } = {
        event: this.eventName === '' ? 'message' : this.eventName,
        data: this.data,
      };
      if (this.lastId !== undefined) event.id = this.lastId;
      if (this.retry !== undefined) event.retry = this.retry;
      out.push(event);
    }
    this.data = undefined;
    this.eventName = '';
    this.retry = undefined;
  }
}
