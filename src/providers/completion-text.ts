/**
 * The upstream's own JSON text of a completion that a provider returns unchanged, so the gateway can
 * send those bytes on instead of serialising the parsed object again. The text is held in a `WeakMap`
 * keyed by the completion: nothing is added to the object, a copy of it has no text, and the text goes
 * with the object when it is collected. (Stream chunks carry theirs on the event: `StreamEvent.text`.)
 * @packageDocumentation
 */
import type { ChatCompletion } from './types.js';

const texts = new WeakMap<ChatCompletion, string>();

/** Records that `completion` was parsed from `text` and is unchanged. Returns `completion`. */
export function keepSourceText(completion: ChatCompletion, text: string): ChatCompletion {
  texts.set(completion, text);
  return completion;
}

/**
 * The upstream JSON text `completion` was parsed from, when the provider kept it; `undefined` otherwise.
 * Nothing changes a completion in place; code that starts to must drop the text (`texts.delete`) too.
 */
export function sourceTextOf(completion: ChatCompletion): string | undefined {
  return texts.get(completion);
}
