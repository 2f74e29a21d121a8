import { describe, expect, it } from 'vitest';
import { bodyFor } from '../../src/engine/plan-walk.js';

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
});
