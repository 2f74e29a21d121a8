/**
 * Chunks forwarded without parsing. Once an OpenAI-compatible answer's content has started, most of its
 * chunks are plain content deltas that the gateway only forwards: {@link isPlainDelta} recognises them from
 * their text (a few `indexOf`s, no `JSON.parse`), and a {@link PlainChunkEvent} carries the text, parsing
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
 * one JSON object on one line with `"choices":[`, exactly one `"delta":`, exactly one `"finish_reason":`
 * whose value is `null`, no `"usage":` other than `null`, and no `"error"` anywhere. A key can only match
 * as written (`"name":` with unescaped quotes never occurs inside a JSON string), so text that passes is
 * the shape the gateway forwards unchanged; a false negative only costs a parse.
 */
export function isPlainDelta(data: string): boolean {
  const last = data.length - 1;
  if (last < 1 || data.charCodeAt(0) !== 123 || data.charCodeAt(last) !== 125) return false;
  if (data.includes('\n') || data.includes('"error"')) return false;
  if (!data.includes('"choices":[')) return false;
  const delta = data.indexOf('"delta":');
  if (delta < 0 || data.indexOf('"delta":', delta + 8) >= 0) return false;
  if (!onceAndNull(data, '"finish_reason":')) return false;
  return !data.includes('"usage":') || onceAndNull(data, '"usage":');
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
