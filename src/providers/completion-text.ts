/**
 * The upstream's own JSON text of a completion that a provider returns unchanged, so the gateway can
 * send those bytes on instead of serialising the parsed object again. The text is held in a non-enumerable
 * symbol-keyed property of the completion: serialisation, `Object.keys` and spreads do not see it, so a
 * copy has no text, and the text goes with the object when it is collected. (A `WeakMap` did the same at
 * ~1 µs per completion, most of it in the collector's ephemeron work: docs/benchmarks.md.)
 * Stream chunks carry theirs on the event: `StreamEvent.text`.
 * @packageDocumentation
 */
import type { ChatCompletion } from './types.js';

const SOURCE_TEXT: unique symbol = Symbol('hive.sourceText');

type WithText = ChatCompletion & { [SOURCE_TEXT]?: string };

/** Records that `completion` was parsed from `text` and is unchanged. Returns `completion`. */
export function keepSourceText(completion: ChatCompletion, text: string): ChatCompletion {
  Object.defineProperty(completion, SOURCE_TEXT, { value: text, enumerable: false, configurable: true });
  return completion;
}

/**
 * The upstream JSON text `completion` was parsed from, when the provider kept it; `undefined` otherwise.
 * Nothing changes a completion in place; code that starts to must work on a copy (which has no text).
 */
export function sourceTextOf(completion: ChatCompletion): string | undefined {
  return (completion as WithText)[SOURCE_TEXT];
}
