/**
 * Chunks forwarded without parsing. From an OpenAI-compatible answer's third content chunk on, most of its
 * chunks are plain content deltas that the gateway only forwards: {@link isPlainDelta} recognises them from
 * their text (a few `indexOf`s, about a seventh of a `JSON.parse`), and a {@link PlainChunkEvent} carries the text, parsing
 * it only when someone reads its `chunk`. Anything else (an `error`, a `usage`, a finish reason, several
 * choices, a line break, text that is not one JSON object) takes the parsed path, so mid-stream errors,
 * finish reasons, usage and truncated chunks are detected as before.
 * @packageDocumentation
 */
import type { ChatCompletionChunk } from './types.js';

/** `key` occurs exactly once in `data` and its value is `null`. */
function onceAndNull(data: string, key: string): boolean {
  const at = data.indexOf(key);
  if (at < 0 || data.indexOf(key, at + key.length) >= 0) return false;
  let i = at + key.length;
  while (data.charCodeAt(i) === 32) i++;
  return data.startsWith('null', i);
}

/**
 * True when `data` (one SSE `data` field of an OpenAI chat-completions stream) is a plain content delta:
 * one JSON object on one line with exactly one `delta":` holding an object, exactly one `finish_reason":` whose value is
 * `null`, no `usage":` other than `null`, and no `rror"` anywhere (so no `"error"` key).
 *
 * The patterns start after the opening quote on purpose: V8 looks for a pattern's first character and
 * then compares, and a JSON chunk is full of quotes (searching `"error"` and its like cost more than
 * `JSON.parse` of the chunk; these cost about a seventh of it: `bench/plain-chunk.ts`). A pattern can match more than the key it is
 * for (`"my_delta":`, a string value ending in `error`): such a match only sends the chunk down the parsed
 * path. It cannot miss the key: an `"error"` key always contains `rror"`, and `finish_reason":` or
 * `usage":` with an unescaped quote never occurs inside a JSON string.
 */
export function isPlainDelta(data: string): boolean {
  const last = data.length - 1;
  if (last < 1 || data.charCodeAt(0) !== 123 || data.charCodeAt(last) !== 125) return false;
  if (data.includes('\n') || data.includes('rror"')) return false;
  const delta = data.indexOf('delta":');
  if (delta < 0 || data.indexOf('delta":', delta + 7) >= 0) return false;
  let open = delta + 7;
  while (data.charCodeAt(open) === 32) open++;
  if (data.charCodeAt(open) !== 123 /* { */) return false;
  if (!onceAndNull(data, 'finish_reason":')) return false;
  return !data.includes('usage":') || onceAndNull(data, 'usage":');
}

const EMPTY_CHOICES: ChatCompletionChunk['choices'] = [];

/** A streamed chunk kept as its upstream text; `chunk` is parsed on first read. */
export class PlainChunkEvent {
  readonly type = 'chunk' as const;
  readonly plain = true;
  private parsed: ChatCompletionChunk | undefined;

  constructor(readonly text: string) {}

  /**
   * The parsed chunk. Text that passed {@link isPlainDelta} but is not valid JSON (the check does not
   * parse) reads as a chunk without choices: it was forwarded as it came, like a proxy would.
   */
  get chunk(): ChatCompletionChunk {
    if (this.parsed) return this.parsed;
    try {
      this.parsed = JSON.parse(this.text) as ChatCompletionChunk;
    } catch {
      this.parsed = {
        id: '',
        object: 'chat.completion.chunk',
        created: 0,
        model: '',
        choices: EMPTY_CHOICES,
      };
    }
    return this.parsed;
  }
}
