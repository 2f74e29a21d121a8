import { describe, expect, it } from 'vitest';
import type { CompiledRuntime } from '../../src/engine/compiled-runtime.js';
import { bodyFor } from '../../src/engine/plan-walk.js';
import type { Candidate } from '../../src/engine/planner.js';
import type { EngineRequest } from '../../src/engine/types.js';
import type { ChatRequest } from '../../src/providers/types.js';

/** A runtime whose only model `m` calls its provider model `provider-m`. */
const runtime = {
  models: new Map([['m', { spec: { providerModel: 'provider-m' } }]]),
} as unknown as CompiledRuntime;
const candidate = { model: { id: 'm' } } as unknown as Candidate;
const requestWith = (body: ChatRequest): EngineRequest => ({ target: 'm', body });
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('bodyFor', () => {
  it("passes the caller's own body on when it already names the provider model the right way", () => {
    const plain = { model: 'provider-m', messages };
    expect(bodyFor(requestWith(plain), candidate, runtime, false)).toBe(plain);
    const streaming = { model: 'provider-m', messages, stream: true };
    expect(bodyFor(requestWith(streaming), candidate, runtime, true)).toBe(streaming);
  });

  it('copies, never changes the caller’s body, when the model or stream field must change', () => {
    const aliased = { model: 'alias', messages, temperature: 0.2 };
    const sent = bodyFor(requestWith(aliased), candidate, runtime, true);
    expect(sent).toEqual({ model: 'provider-m', messages, temperature: 0.2, stream: true });
    expect(aliased).toEqual({ model: 'alias', messages, temperature: 0.2 });

    const explicitFalse = { model: 'provider-m', messages, stream: false };
    const nonStreaming = bodyFor(requestWith(explicitFalse), candidate, runtime, false);
    expect(nonStreaming).not.toBe(explicitFalse);
    expect(nonStreaming.stream).toBeUndefined();
    expect(explicitFalse.stream).toBe(false);

    const streamed = { model: 'provider-m', messages, stream: true };
    const asPlain = bodyFor(requestWith(streamed), candidate, runtime, false);
    expect(asPlain.stream).toBeUndefined();
    expect(streamed.stream).toBe(true);
  });
});
