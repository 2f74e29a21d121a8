import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from '../../src/providers/sse.js';
import { cutPieces } from './cut-pieces.js';

function parseAll(pieces: ReadonlyArray<string | Uint8Array>): SseEvent[] {
  const parser = new SseParser();
  const out: SseEvent[] = [];
  for (const piece of pieces) out.push(...parser.push(piece));
  out.push(...parser.end());
  return out;
}

const STREAM =
  '\uFEFF: a comment\r\n' +
  'event: message_start\r\n' +
  'data: {"a":1}\r\n' +
  '\r\n' +
  'data: line one\n' +
  'data: line two\n' +
  'id: 7\n' +
  '\n' +
  'data:no-space\r' +
  '\r' +
  ': keep-alive\n\n' +
  'event: ping\n' +
  '\n' +
  'data: héllo wörld ✓ 😀\n' +
  'retry: 3000\n' +
  '\n' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"a":1}' },
  { event: 'message', data: 'line one\nline two', id: '7' },
  { event: 'message', data: 'no-space', id: '7' },
  { event: 'message', data: 'héllo wörld ✓ 😀', id: '7', retry: 3000 },
  { event: 'message', data: '[DONE]', id: '7' },
];

describe('SseParser', () => {
  it('parses a whole stream: CRLF, CR, comments, multi-line data, ids, events without data', () => {
    expect(parseAll([STREAM])).toEqual(EXPECTED);
  });

  it('gives the same events when the text is split at every position', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(parseAll([STREAM.slice(0, i), STREAM.slice(i)]), `split at ${i}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events when the bytes are split at every position (inside UTF-8 characters too)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let i = 0; i <= bytes.length; i++) {
      expect(parseAll([bytes.subarray(0, i), bytes.subarray(i)]), `split at byte ${i}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events for any chunking of the bytes (property)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          expect(parseAll(cutPieces(bytes, cuts))).toEqual(EXPECTED);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splits lines like a plain reference for any mix of LF, CR and CRLF, in any chunking (property)', () => {
    // Reference: split the whole text on CRLF | CR | LF and read data lines (no comments, no other fields).
    const reference = (text: string): string[] => {
      const events: string[] = [];
      let data: string | undefined;
      for (const line of text.split(/\r\n|\r|\n/)) {
        if (line === '') {
          if (data !== undefined) events.push(data);
          data = undefined;
        } else if (line.startsWith('data:')) {
          const value = line.slice(5).replace(/^ /, '');
          data = data === undefined ? value : `${data}\n${value}`;
        }
      }
      return events;
    };
    const lineBreak = fc.constantFrom('\n', '\r', '\r\n');
    const line = fc.tuple(fc.constantFrom('data: ', 'data:', ''), fc.stringMatching(/^[a-z {}":]{0,12}$/));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, lineBreak), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (lines, cutSeeds) => {
          // Every stream ends with a blank line, so the reference's last event is dispatched too.
          const text = `${lines.map(([[field, value], end]) => field + value + end).join('')}\n\n`;
          expect(parseAll(cutPieces(text, cutSeeds)).map((e) => e.data)).toEqual(reference(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('dispatches a last event that lacks its blank line at end of stream, and ignores an empty data buffer', () => {
    expect(parseAll(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }]);
    expect(parseAll(['event: x\n\n', ': only a comment\n'])).toEqual([]);
  });

  it('keeps an empty data line as an empty string and a colon-less field as empty', () => {
    expect(parseAll(['data\n\n', 'data:\ndata:\n\n'])).toEqual([
      { event: 'message', data: '' },
      { event: 'message', data: '\n' },
    ]);
  });
});
