import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { keepSourceText, sourceTextOf } from '../../src/providers/completion-text.js';
import type { ChatCompletion } from '../../src/providers/types.js';

const TEXT =
  '{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}';

describe('completion source text', () => {
  it('returns the text kept for the very object it was parsed into', () => {
    const completion = keepSourceText(JSON.parse(TEXT) as ChatCompletion, TEXT);
    expect(sourceTextOf(completion)).toBe(TEXT);
  });

  it('is invisible to serialisation, keys and spreads, so a copy (possibly changed) has none', () => {
    const completion = keepSourceText(JSON.parse(TEXT) as ChatCompletion, TEXT);
    expect(JSON.stringify(completion)).toBe(TEXT);
    expect(Object.keys(completion)).toEqual(['id', 'object', 'created', 'model', 'choices']);
    const copy = { ...completion, model: 'other' };
    expect(sourceTextOf(copy)).toBeUndefined();
    expect(sourceTextOf(structuredClone(completion))).toBeUndefined();
    expect(sourceTextOf(Object.assign({}, completion))).toBeUndefined();
  });

  it('adds nothing a caller can see: no symbol, nothing in inspect, equal to the parsed object', () => {
    const completion = keepSourceText(JSON.parse(TEXT) as ChatCompletion, TEXT);
    expect(Object.getOwnPropertySymbols(completion)).toEqual([]);
    expect(Reflect.ownKeys(completion)).toEqual(['id', 'object', 'created', 'model', 'choices']);
    expect(inspect(completion, { showHidden: true, depth: 0 })).not.toContain('chat.completion","created');
    expect(completion).toStrictEqual(JSON.parse(TEXT));
  });

  it('has no text for a completion built in code, and the last text kept wins', () => {
    const built = JSON.parse(TEXT) as ChatCompletion;
    expect(sourceTextOf(built)).toBeUndefined();
    keepSourceText(built, TEXT);
    keepSourceText(built, `${TEXT} `);
    expect(sourceTextOf(built)).toBe(`${TEXT} `);
  });
});
