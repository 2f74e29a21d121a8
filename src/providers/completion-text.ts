/**
 * The upstream's own JSON text of a completion that a provider returns unchanged, so the gateway can
 * send those bytes on instead of serialising the parsed object again. The text is held in a private field
 * stamped onto the completion (a base class whose constructor returns the object it is given lets a
 * subclass add its private field to any object): serialisation, `Object.keys`, symbols, spreads,
 * `structuredClone`, `util.inspect` and test equality do not see it, so a copy has no text, and the text
 * goes with the object when it is collected. (A `WeakMap` did the same at ~1 µs per completion, most of it
 * in the collector's ephemeron work; a non-enumerable `Object.defineProperty` at ~0.3 µs, a third of
 * parsing the completion: docs/benchmarks.md.) Stream chunks carry theirs on the event: `StreamEvent.text`.
 * @packageDocumentation
 */
import type { ChatCompletion } from './types.js';

/** Returns the object it is constructed with, so that a subclass's fields are added to that object. */
class Stamp {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the return override is the point of this class.
    return target as Stamp;
  }
}

/** The source-text stamp: a private field on the completion itself. */
class SourceTextStamp extends Stamp {
  #text: string;

  private constructor(target: object, text: string) {
    super(target);
    this.#text = text;
  }

  static keep(target: object, text: string): void {
    if (#text in target) (target as SourceTextStamp).#text = text;
    else new SourceTextStamp(target, text);
  }

  static read(target: object): string | undefined {
    return #text in target ? (target as SourceTextStamp).#text : undefined;
  }
}

/** Records that `completion` was parsed from `text` and is unchanged. Returns `completion`. */
export function keepSourceText(completion: ChatCompletion, text: string): ChatCompletion {
  SourceTextStamp.keep(completion, text);
  return completion;
}

/**
 * The upstream JSON text `completion` was parsed from, when the provider kept it; `undefined` otherwise.
 * Nothing changes a completion in place; code that starts to must work on a copy (which has no text).
 */
export function sourceTextOf(completion: ChatCompletion): string | undefined {
  return SourceTextStamp.read(completion);
}
