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
const CR = 13;

/** An incremental SSE parser: feed it with {@link SseParser.push}, finish with {@link SseParser.end}. */
export class SseParser {
  private buffer = '';
  private decoder: StringDecoder | undefined;
  private pendingCR = false;
  private started = false;
  private data: string | undefined;
  private eventName = '';
  private lastId: string | undefined;
  private retry: number | undefined;

  /** Feeds a piece of the stream (text, or bytes decoded as UTF-8) and returns the events it completes. */
  push(chunk: string | Uint8Array): SseEvent[] {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      if (!this.decoder) this.decoder = new StringDecoder('utf8');
      text = this.decoder.write(chunk);
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
    if (this.decoder) this.feed(this.decoder.end(), out);
    if (this.buffer !== '') {
      this.line(this.buffer, out);
      this.buffer = '';
    }
    this.dispatch(out);
    return out;
  }

  private feed(input: string, out: SseEvent[]): void {
    let text = input;
    if (text === '') return;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    const buf = this.buffer === '' ? text : this.buffer + text;
    let start = 0;
    // What is already in the buffer was scanned (it holds no line break): scan only the new text.
    for (let i = this.buffer.length; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      this.line(buf.slice(start, i), out);
      if (c === CR) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === LF) i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
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
