import { describe, expect, it } from 'vitest';
import { bodyFor } from '../../src/engine/plan-walk.js';
import type { ChatRequest } from '../../src/providers/types.js';

/** The candidate's provider model is `provider-m`. */
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('bodyFor', () => {
  it("passes the caller's own body on when it already names the provider model the right way", () => {
    const plain = { model: 'provider-m', messages };
    expect(bodyFor(plain, 'provider-m', false)).toBe(plain);
    const streaming = { model: 'provider-m', messages, stream: true };
    expect(bodyFor(streaming, 'provider-m', true)).toBe(streaming);
  });

  it('copies, never changes the caller’s body, when the model or stream field must change', () => {
    const aliased = { model: 'alias', messages, temperature: 0.2 };
    const sent = bodyFor(aliased, 'provider-m', true);
    expect(sent).toEqual({ model: 'provider-m', messages, temperature: 0.2, stream: true });
    expect(aliased).toEqual({ model: 'alias', messages, temperature: 0.2 });

    // A non-streaming copy carries no `stream` key the caller did not send (not even an undefined one).
    const renamed = bodyFor(aliased, 'provider-m', false);
    expect(renamed).toStrictEqual({ model: 'provider-m', messages, temperature: 0.2 });
    expect(Object.keys(renamed)).toEqual(['model', 'messages', 'temperature']);

    const explicitFalse = { model: 'provider-m', messages, stream: false };
    const nonStreaming = bodyFor(explicitFalse, 'provider-m', false);
    expect(nonStreaming).not.toBe(explicitFalse);
    expect(nonStreaming.stream).toBeUndefined();
    expect(explicitFalse.stream).toBe(false);

    const streamed = { model: 'provider-m', messages, stream: true };
    const asPlain = bodyFor(streamed, 'provider-m', false);
    expect(asPlain.stream).toBeUndefined();
    expect(streamed.stream).toBe(true);
  });

  it('copies a body carrying an own "__proto__" key as data, never as the copy\'s prototype', () => {
    const hostile = JSON.parse(
      '{"model":"alias","messages":[{"role":"user","content":"hi"}],"__proto__":{"stream":true,"x":1}}',
    ) as ChatRequest;
    const sent = bodyFor(hostile, 'provider-m', false);
    expect(Object.getPrototypeOf(sent)).toBe(Object.prototype);
    expect(Object.hasOwn(sent, '__proto__')).toBe(true);
    expect((sent as unknown as Record<string, unknown>)['x']).toBeUndefined();
    expect(sent.stream).toBeUndefined();
    // Forwarded as it came, the model renamed.
    expect(JSON.stringify(sent)).toBe(
      '{"model":"provider-m","messages":[{"role":"user","content":"hi"}],"__proto__":{"stream":true,"x":1}}',
    );
  });
});
