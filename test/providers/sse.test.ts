import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SseEvent, SseParser } from '../../src/providers/sse.js';

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
          const sorted = [...cuts].sort((a, b) => a - b);
          const pieces: Uint8Array[] = [];
          let last = 0;
          for (const cut of sorted) {
            pieces.push(bytes.subarray(last, cut));
            last = cut;
          }
          pieces.push(bytes.subarray(last));
          expect(parseAll(pieces)).toEqual(EXPECTED);
        },
      ),
      { numRuns: 300 },
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
