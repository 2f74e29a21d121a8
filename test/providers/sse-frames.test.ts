/**
 * The frame reader (simple `data: …\n\n` frames handled without the general parser) must read exactly
 * what the parser reads, however the stream is cut into network reads, and keep the parser's caps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SseEvent, type SseLimits, SseParser } from '../../src/providers/sse.js';
import { readFrames } from '../../src/providers/sse-frames.js';
import { cutPieces } from './cut-pieces.js';

interface Read {
  events: SseEvent[];
  /** How many events came as simple frames (not through the parser). */
  frames: number;
  error: string | undefined;
}

/** Reads `pieces` with the frame reader, decoding each simple frame as the stream would. */
function readAll(pieces: readonly Uint8Array[], limits?: SseLimits): Read {
  const parser = new SseParser(limits);
  const out: Read = { events: [], frames: 0, error: undefined };
  const sink = {
    frame(bytes: Buffer, text: string, start: number, end: number): boolean {
      expect(text.slice(start, start + 6)).toBe('data: ');
      expect(bytes.subarray(end, end + 2).toString()).toBe('\n\n');
      const id = parser.lastEventId;
      const data = bytes.toString('utf8', start + 6, end);
      out.events.push(id === undefined ? { event: 'message', data } : { event: 'message', data, id });
      out.frames++;
      return true;
    },
    events(events: readonly SseEvent[]): boolean {
      out.events.push(...events);
      return true;
    },
  };
  for (const piece of pieces) {
    readFrames(parser, piece, sink);
    if (parser.error) break;
  }
  if (!parser.error) out.events.push(...parser.end());
  out.error = parser.error;
  return out;
}

function reference(bytes: Uint8Array, limits?: SseLimits): { events: SseEvent[]; error: string | undefined } {
  const parser = new SseParser(limits);
  const events = [...parser.push(bytes), ...parser.end()];
  return { events, error: parser.error };
}

const chunk = (content: string) =>
  `data: {"id":"c","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;

describe('readFrames', () => {
  it('reads whole simple frames itself, anything unusual through the parser', () => {
    const text = `${chunk('a')}${chunk('b')}: ping\n\n${chunk('ü€😀')}event: error\ndata: {"x":1}\n\ndata: [DONE]\n\n`;
    const read = readAll([Buffer.from(text)]);
    expect(read.events).toEqual(reference(Buffer.from(text)).events);
    expect(read.events.map((e) => e.data).at(-1)).toBe('[DONE]');
    // The comment and the named event go through the parser; after a byte-order mark, the first frame too.
    expect(read.frames).toBe(4);
    expect(readAll([Buffer.from(`\uFEFF${text}`)]).frames).toBe(3);
    expect(readAll([Buffer.from(`\uFEFF${text}`)]).events).toEqual(read.events);
  });

  it('reads what the parser reads, however the stream is cut (multi-byte characters, CRLF, ids, BOM)', () => {
    const part = fc.constantFrom(
      chunk('plain'),
      chunk('héllo wörld ✓ 😀'),
      chunk(''),
      'data: [DONE]\n\n',
      ': keep-alive\n\n',
      'event: ping\ndata: {}\n\n',
      'data: line one\ndata: line two\n\n',
      'id: 7\n\n',
      'data:no-space\n\n',
      'data: crlf\r\n\r\n',
      'retry: 10\ndata: r\n\n',
      'data: lone\n',
      '\n',
      '\uFEFF',
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, at) => {
        const bytes = Buffer.from(parts.join(''));
        const read = readAll(cutPieces(bytes, at));
        expect(read.events).toEqual(reference(bytes).events);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the caps: a frame over the line or event cap, or a stream over its total, fails as in the parser', () => {
    const long = Buffer.from(`${chunk('a')}${chunk('x'.repeat(200))}`);
    expect(readAll([long], { maxLineChars: 150 }).error).toMatch(/line exceeded 150/);
    expect(readAll([long], { maxEventChars: 150 }).error).toMatch(/event exceeded 150/);
    const many = Buffer.from(chunk('a').repeat(20));
    const total = readAll([many], { maxTotalChars: 1000 });
    expect(total.error).toMatch(/exceeded 1000 characters/);
    expect(total.events.length).toBeLessThan(20);
    expect(reference(many, { maxTotalChars: 1000 }).error).toMatch(/exceeded 1000 characters/);
  });

  it('stops reading a piece when the reader says so (a terminal event)', () => {
    const parser = new SseParser();
    const seen: string[] = [];
    const sink = {
      frame: (bytes: Buffer, _t: string, start: number, end: number) => {
        seen.push(bytes.toString('utf8', start + 6, end));
        return seen.length < 2;
      },
      events: (events: readonly SseEvent[]) => {
        seen.push(...events.map((e) => e.data));
        return true;
      },
    };
    readFrames(parser, Buffer.from(chunk('a') + chunk('b') + chunk('c') + chunk('d')), sink);
    expect(seen).toHaveLength(2);
  });
});
