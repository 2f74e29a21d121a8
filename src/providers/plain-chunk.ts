/**
 * Chunks forwarded without parsing. Most chunks of an OpenAI-compatible answer are plain content deltas
 * that the gateway only forwards: a {@link PlainDeltaScanner} recognises
 * them from their text (a few `indexOf`s, about a seventh of a `JSON.parse`), and a {@link PlainChunkEvent}
 * carries them, as text or as the upstream's own bytes, parsing only when someone reads its `chunk`. The
 * finish chunk (an empty delta and a short reason) is recognised the same way, and its reason recorded.
 * Anything else (an `error`, a `usage`, a finish with content, several choices, a line break, text that is
 * not one JSON object) takes the parsed path, so mid-stream errors, usage and truncated chunks are detected
 * as before.
 * @packageDocumentation
 */
import type { ChatCompletionChunk } from './types.js';

/**
 * One character's occurrences in one text (the template check's quote and backslash), each searched for
 * once while the calls move forward through the text (frames of one network read, checked in order): the
 * scan stays linear in the read, however many frames it holds, although `indexOf` cannot stop at a
 * frame's end.
 */
class PatternCursor {
  private text = '';
  private from = 0;
  /** The next occurrence at or after `from`; -1: none left in `text`; -2: not searched yet. */
  private at = -2;

  constructor(private readonly pattern: string) {}

  /** The first occurrence in `[from, to)` of `text`, or -1. */
  find(text: string, from: number, to: number): number {
    if (text !== this.text || from < this.from) {
      this.text = text;
      this.at = -2;
    }
    this.from = from;
    if (this.at !== -1 && this.at < from) this.at = text.indexOf(this.pattern, from);
    return this.at !== -1 && this.at < to ? this.at : -1;
  }
}

/**
 * Recognises plain content deltas in `data` fields of an OpenAI chat-completions stream: one JSON object
 * on one line with exactly one `delta":` holding an object, exactly one `finish_reason":` whose value is
 * `null`, no `usage":` other than `null`, and no `rror"` anywhere (so no `"error"` key).
 *
 * The patterns start after the opening quote on purpose: V8 looks for a pattern's first character and
 * then compares, and a JSON chunk is full of quotes (searching `"error"` and its like cost more than
 * `JSON.parse` of the chunk; these cost about a seventh of it: `bench/plain-chunk.ts`). A pattern can match
 * more than the key it is for (`"my_delta":`, a string value ending in `error`): such a match only sends
 * the chunk down the parsed path. It cannot miss the key: an `"error"` key always contains `rror"`, and
 * `finish_reason":` or `usage":` with an unescaped quote never occurs inside a JSON string.
 */
export class PlainDeltaScanner {
  private readonly quote = new PatternCursor('"');
  private readonly backslash = new PatternCursor('\\');
  /** A checked delta's text up to its content string's opening quote, and from its closing quote on. */
  private head = '';
  private tail = '';
  /** The tail, the `\n\ndata: ` between two frames and the head: what lies between two contents in a row. */
  private joint = '';
  /** Where, in {@link aheadText}, a frame's head was already compared (with the frame before it). */
  private aheadText = '';
  private aheadAt = -1;
  /** Where the last checked delta's object opens (its `{`). */
  private deltaObject = 0;
  /**
   * After a `true` from {@link isPlainAt}: whether that delta carries content (a non-empty content string),
   * when the template tells; `undefined` when only parsing it would.
   */
  lastContent: boolean | undefined;

  /**
   * True when `text` from `start` to `end` (exclusive, no line break inside: the caller checked) is a
   * plain delta. Successive calls on one text must come in order (non-overlapping, moving forward) to stay
   * linear; a call on another text, or further back, starts over.
   *
   * The chunks of one answer differ only in their content string, so the first plain delta with a
   * `"delta":{"content":"…"` is kept as a template: a later chunk that is the same text around a content
   * without a quote or a backslash has the same JSON structure, so it is plain too (three comparisons
   * instead of four key searches). Anything else takes the full check.
   */
  isPlainAt(text: string, start: number, end: number): boolean {
    return this.scanAt(text, start, end) === 'delta';
  }

  /**
   * {@link isPlainAt}, and also recognises a plain finish chunk: one JSON object on one line with exactly
   * one `delta":` holding `{}`, exactly one `finish_reason":` holding a short string without escapes, no
   * `usage":` other than `null` and no `rror"` anywhere: the last chunk of an answer, which the gateway
   * forwards as it came like the deltas. `undefined`: neither (the chunk takes the parsed path).
   */
  scanAt(text: string, start: number, end: number): 'delta' | 'finish' | undefined {
    if (this.head !== '' && this.fitsTemplate(text, start, end)) return 'delta';
    const verdict = this.check(text, start, end);
    if (verdict === 'delta') this.learn(text, start, end);
    else this.lastContent = undefined;
    return verdict;
  }

  /**
   * Whether `[start, end)` of `text` is the template around a content string without a quote or a
   * backslash. When the read goes on with another frame, the frame's tail and the next frame's head are one
   * comparison (the {@link joint}) and the next frame skips its head's: one comparison a frame in a run of
   * content deltas instead of two (each goes through a V8 runtime call, ~0.4 k instructions).
   */
  private fitsTemplate(text: string, start: number, end: number): boolean {
    const from = start + this.head.length;
    const to = end - this.tail.length;
    if (from > to) return false;
    const headDone = start === this.aheadAt && text === this.aheadText;
    this.aheadAt = -1;
    // `slice` and `===` (a memory comparison) cost about a third of `startsWith` on ~150 characters.
    if (!headDone && text.slice(start, from) !== this.head) return false;
    const jointEnd = to + this.joint.length;
    if (jointEnd <= text.length && text.slice(to, jointEnd) === this.joint) {
      this.aheadText = text;
      this.aheadAt = end + FRAME_GAP;
    } else if (text.slice(to, end) !== this.tail) return false;
    if (this.quote.find(text, from, end) === to && this.backslash.find(text, from, to) === -1) {
      this.lastContent = from < to;
      return true;
    }
    return false;
  }

  /**
   * Keeps a checked plain delta as the template when its delta is `{"content":"…"}` or
   * `{"role":"…","content":"…"}` with a content string without escapes; else the delta's content is unknown.
   * The template never holds the role: an answer's first chunk names it, the next ones do not, so the
   * first chunk's template is the one of the chunks after it (its text with `"role":"…",` taken out).
   */
  private learn(text: string, start: number, end: number): void {
    this.lastContent = undefined;
    // Where the checked delta's object opens (found by the check: no search past this frame here, so a
    // read of many frames the template cannot take, e.g. JSON written with spaces, stays linear).
    const object = this.deltaObject + 1;
    let key = object;
    if (text.charCodeAt(key) !== 34 /* " */) return;
    if (text.startsWith('"role":"', key)) {
      const close = text.indexOf('"', key + 8);
      if (close === -1 || close >= end || text.charCodeAt(close - 1) === 92) return;
      if (text.charCodeAt(close + 1) !== 44 /* , */) return;
      key = close + 2;
    }
    if (!text.startsWith('"content":"', key)) return;
    const open = key + 11;
    for (let i = open; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 92 /* \ */) return;
      if (c === 34 /* " */) {
        if (text.charCodeAt(i + 1) !== 125 /* } */) return;
        this.head = key === object ? text.slice(start, open) : `${text.slice(start, object)}"content":"`;
        this.tail = text.slice(i, end);
        this.joint = `${this.tail}\n\ndata: ${this.head}`;
        this.aheadAt = -1;
        this.lastContent = i > open;
        return;
      }
    }
  }

  /**
   * The full check (see the class and {@link scanAt}), on the frame alone: its key searches never run past
   * the frame's end, so an answer's first chunk does not scan the rest of a long read for a key it lacks
   * (with a template, the full check runs on a few frames of an answer only).
   */
  private check(text: string, start: number, end: number): 'delta' | 'finish' | undefined {
    if (end - start < 2 || text.charCodeAt(start) !== 123 || text.charCodeAt(end - 1) !== 125)
      return undefined;
    // A view of the frame (V8 shares the read's characters; no copy).
    const frame = start === 0 && end === text.length ? text : text.slice(start, end);
    if (frame.includes(ERROR_KEY)) return undefined;
    const delta = onlyOne(frame, DELTA_KEY);
    if (delta === -1) return undefined;
    const open = skipSpaces(frame, delta + DELTA_KEY.length);
    if (frame.charCodeAt(open) !== 123 /* { */) return undefined;
    this.deltaObject = start + open;
    const usage = frame.indexOf(USAGE_KEY);
    if (usage !== -1) {
      const once = frame.indexOf(USAGE_KEY, usage + USAGE_KEY.length) === -1;
      if (!once || !isNullAt(frame, skipSpaces(frame, usage + USAGE_KEY.length))) return undefined;
    }
    const finish = onlyOne(frame, FINISH_KEY);
    if (finish === -1) return undefined;
    const value = skipSpaces(frame, finish + FINISH_KEY.length);
    if (isNullAt(frame, value)) return 'delta';
    // A finish: its delta is empty and its reason a short string without escapes.
    if (frame.charCodeAt(skipSpaces(frame, open + 1)) !== 125 /* } */) return undefined;
    if (frame.charCodeAt(value) !== 34 /* " */) return undefined;
    for (let i = value + 1; i < frame.length && i <= value + MAX_REASON; i++) {
      const c = frame.charCodeAt(i);
      if (c === 34) return i > value + 1 ? 'finish' : undefined;
      if (c === 92 /* \ */) return undefined;
    }
    return undefined;
  }
}

/** The full check's key patterns (why they start after the opening quote: {@link PlainDeltaScanner}). */
const ERROR_KEY = 'rror"';
const DELTA_KEY = 'delta":';
const FINISH_KEY = 'finish_reason":';
const USAGE_KEY = 'usage":';

/** From a frame's data end to the next frame's data start: `\n\n` and `data: `. */
const FRAME_GAP = 8;

/** The longest finish reason the scanner takes (`content_filter`, `function_call`: well under it). */
const MAX_REASON = 64;

function skipSpaces(text: string, at: number): number {
  let i = at;
  while (text.charCodeAt(i) === 32) i++;
  return i;
}

/** Where `key` occurs in `frame` when it occurs exactly once; else -1. */
function onlyOne(frame: string, key: string): number {
  const at = frame.indexOf(key);
  return at === -1 || frame.indexOf(key, at + key.length) !== -1 ? -1 : at;
}

/** `null` at `at` of `frame`. */
function isNullAt(frame: string, at: number): boolean {
  return at + 4 <= frame.length && frame.startsWith('null', at);
}

const shared = new PlainDeltaScanner();

/** True when `data` (one SSE `data` field) is a plain content delta (see {@link PlainDeltaScanner}). */
export function isPlainDelta(data: string): boolean {
  return !data.includes('\n') && shared.isPlainAt(data, 0, data.length);
}

const EMPTY_CHOICES: ChatCompletionChunk['choices'] = [];
/** `data: ` before a frame's JSON, `\n\n` after it. */
const FRAME_HEAD = 6;
const FRAME_TAIL = 2;

/**
 * A streamed chunk kept as the upstream sent it: its text, or its whole SSE frame (`data: {…}\n\n`) as
 * bytes of the network read it came in. `text` is decoded and `chunk` parsed on first read.
 */
export class PlainChunkEvent {
  readonly type = 'chunk' as const;
  readonly plain = true;
  private parsed: ChatCompletionChunk | undefined;
  private decoded: string | undefined;

  /** Use {@link PlainChunkEvent.ofText} or {@link PlainChunkEvent.ofFrame}. */
  private constructor(
    decoded: string | undefined,
    /** Whether the chunk carries content, when known without parsing it (see {@link isContentEvent}). */
    readonly hasContent: boolean | undefined,
    /** The network read holding this chunk's frame, when it came as bytes. */
    readonly frameBytes: Uint8Array | undefined,
    /** Where the frame starts in {@link frameBytes} (at `data: `). */
    readonly frameStart: number,
    /** Where the frame ends in {@link frameBytes} (after its `\n\n`). */
    readonly frameEnd: number,
  ) {
    this.decoded = decoded;
  }

  /** A chunk given as its `data` text. */
  static ofText(text: string): PlainChunkEvent {
    return new PlainChunkEvent(text, undefined, undefined, 0, 0);
  }

  /**
   * A chunk given as the frame `data: {…}\n\n` at `[start, end)` of `bytes` (UTF-8); `hasContent` as far
   * as known without parsing.
   */
  static ofFrame(
    bytes: Uint8Array,
    start: number,
    end: number,
    hasContent: boolean | undefined,
  ): PlainChunkEvent {
    return new PlainChunkEvent(undefined, hasContent, bytes, start, end);
  }

  /** The chunk's JSON text (the frame's `data`, decoded on first read). */
  get text(): string {
    if (this.decoded === undefined) {
      const bytes = this.frameBytes!;
      const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
      this.decoded = view.toString('utf8', this.frameStart + FRAME_HEAD, this.frameEnd - FRAME_TAIL);
    }
    return this.decoded;
  }

  /**
   * The parsed chunk. Text that passed the plain check but is not valid JSON (the check does not parse)
   * reads as a chunk without choices: it was forwarded as it came, like a proxy would.
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
