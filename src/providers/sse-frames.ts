/**
 * The common case of an event stream read without the general parser: a network read that holds whole
 * frames of the form `data: …\n\n` (one `data` field, one line, LF line ends), which is how OpenAI-style
 * servers write every chunk. The read is viewed once as Latin-1 text (a byte-for-byte copy, so positions
 * are byte offsets and ASCII patterns match as in UTF-8) and split at its `\n\n`s; each simple frame goes
 * to the reader as a position in the bytes, to be forwarded as it came or decoded alone. Anything else (a
 * CR, a comment, a named event, several lines, a frame cut across reads, a byte-order mark) goes to
 * the {@link SseParser}, which keeps the whole WHATWG rules and every cap; frames read here are counted
 * toward its caps (in bytes, so a stream of multi-byte characters meets the total cap a little sooner).
 * @packageDocumentation
 */
import type { SseEvent, SseParser } from './sse.js';

/** Where {@link readFrames} hands what it read. Each method returns false to stop reading this piece. */
export interface FrameSink {
  /**
   * A simple frame: `bytes[start, end)` is `data: X` and `end` its `\n\n`; `text` is the read as Latin-1
   * (the same positions), for looking at X without decoding it.
   */
  frame(bytes: Buffer, text: string, start: number, end: number): boolean;
  /** Events the parser produced from a part of the read it was given. */
  events(events: readonly SseEvent[]): boolean;
}

const DATA_PREFIX = 'data: ';
const LF = 10;

/** Reads one network read: simple frames to `sink.frame`, the rest through `parser` to `sink.events`. */
export function readFrames(parser: SseParser, piece: Uint8Array, sink: FrameSink): void {
  const bytes = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.length);
  if (bytes.length === 0) return;
  const text = bytes.toString('latin1');
  if (text.includes('\r')) {
    sink.events(parser.push(bytes));
    return;
  }
  let pos = 0;
  // A stream's first read: without a byte-order mark (EF BB BF) there is nothing to strip.
  if (text.charCodeAt(0) !== 0xef) parser.beginWithoutBom();
  if (!parser.atFrameBoundary()) {
    // The parser is inside a frame (or before the first): it reads up to the first frame end.
    const first = text.indexOf('\n\n');
    if (first === -1) {
      sink.events(parser.push(bytes));
      return;
    }
    pos = first + 2;
    if (!sink.events(parser.push(pos === text.length ? bytes : bytes.subarray(0, pos)))) return;
    if (!parser.atFrameBoundary()) {
      if (pos < text.length && parser.error === undefined) sink.events(parser.push(bytes.subarray(pos)));
      return;
    }
  }
  while (pos < text.length) {
    // The first line break ends a simple frame when a second follows it; else the frame has more lines.
    const lf = text.indexOf('\n', pos);
    const oneLine = lf !== -1 && text.charCodeAt(lf + 1) === LF;
    const end = oneLine || lf === -1 ? lf : text.indexOf('\n\n', lf + 1);
    if (end === -1) {
      sink.events(parser.push(bytes.subarray(pos)));
      return;
    }
    const next = end + 2;
    if (
      oneLine &&
      text.startsWith(DATA_PREFIX, pos) &&
      parser.frameFits(end - pos, end - pos - DATA_PREFIX.length)
    ) {
      if (!parser.account(next - pos)) return;
      if (!sink.frame(bytes, text, pos, end)) return;
    } else if (!sink.events(parser.push(bytes.subarray(pos, next)))) return;
    pos = next;
  }
}
