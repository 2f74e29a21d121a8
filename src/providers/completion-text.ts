/**
 * The upstream's own JSON text of a completion a provider returns unchanged, so the gateway can send
 * those bytes on instead of serialising the parsed object again. The text rides on the completion under
 * a non-enumerable symbol key: `JSON.stringify`, object spread and `structuredClone` ignore it, so it
 * never leaks into other output, and a copy of the completion drops it.
 * @packageDocumentation
 */
import type { ChatCompletion } from './types.js';

const TEXT: unique symbol = Symbol('hive.completionText');

type WithText = ChatCompletion & { [TEXT]?: string };

/** Records that `completion` was parsed from `text` and is unchanged. Returns the completion. */
export function keepCompletionText(completion: ChatCompletion, text: string): ChatCompletion {
  Object.defineProperty(completion, TEXT, { value: text, configurable: true });
  return completion;
}

/**
 * The upstream JSON text `completion` was parsed from, when the provider kept it; `undefined` otherwise.
 * Whoever changes a completion in place must call {@link forgetCompletionText}.
 */
export function completionText(completion: ChatCompletion): string | undefined {
  return (completion as WithText)[TEXT];
}

/** Drops the kept text (after changing the completion in place). */
export function forgetCompletionText(completion: ChatCompletion): void {
  delete (completion as WithText)[TEXT];
}
