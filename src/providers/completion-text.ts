/**
 * The upstream's own JSON text of a completion or stream chunk that a provider returns unchanged, so
 * the gateway can send those bytes on instead of serialising the parsed object again. The text is held
 * in a `WeakMap` keyed by the object: nothing is added to the object, a copy of it has no text, and the
 * text goes with the object when it is collected.
 * @packageDocumentation
 */
import type { ChatCompletion, ChatCompletionChunk } from './types.js';

/** What may carry its source text. */
export type TextBacked = ChatCompletion | ChatCompletionChunk;

const texts = new WeakMap<TextBacked, string>();

/** Records that `value` was parsed from `text` and is unchanged. Returns `value`. */
export function keepSourceText<T extends TextBacked>(value: T, text: string): T {
  texts.set(value, text);
  return value;
}

/**
 * The upstream JSON text `value` was parsed from, when the provider kept it; `undefined` otherwise.
 * Whoever changes such an object in place must call {@link forgetSourceText}.
 */
export function sourceTextOf(value: TextBacked): string | undefined {
  return texts.get(value);
}

/** Drops the kept text (after changing the object in place). */
export function forgetSourceText(value: TextBacked): void {
  texts.delete(value);
}
