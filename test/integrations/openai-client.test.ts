/**
 * The resilient wrapper around the official `openai` client, against the chaos upstream on 127.0.0.1.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ConstantBackoff } from '../../src/core/index.js';
import { AllModelsFailedError, resilientOpenAI } from '../../src/integrations/openai/index.js';
import { closedPortURL, useChaosUpstream } from '../helpers/chaos-upstream.js';

const chaos = useChaosUpstream();
const messages = [{ role: 'user' as const, content: 'hello' }];
const fast = { backoff: new ConstantBackoff(0) };

function client(baseURL = chaos.openaiBaseURL): OpenAI {
  return new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 2 });
}

describe('resilientOpenAI: chat.completions.create', () => {
  it('retries, then falls back to the next client/model, and tells which one answered', async () => {
    chaos.upstream.setFaults({ primary: '503' });
    const ai = resilientOpenAI(
      [
        { client: client(), model: 'primary' },
        { client: client(), model: 'backup' },
      ],
      { ...fast, maxRetries: 1 },
    );
    const completion = await ai.chat.completions.create({ messages });
    expect(completion.choices[0]?.message.content).toContain('quick brown fox');
    expect(completion.model).toBe('backup');
    // One try and one retry on primary; the client's own retries are off for these calls.
    expect(chaos.upstream.stats().models['primary']?.requests).toBe(2);
    expect(ai.pool.health.health(ai.targets[0]!)?.consecutiveFailures).toBe(2);
  });

  it('moves on past a refused connection, and gives a 400 straight back', async () => {
    const ai = resilientOpenAI(
      [
        { client: client(`${await closedPortURL()}/v1`), model: 'primary', name: 'down' },
        { client: client(), model: 'backup', name: 'up' },
      ],
      { ...fast, maxRetries: 0 },
    );
    expect((await ai.chat.completions.create({ messages })).model).toBe('backup');
    chaos.upstream.setFaults({ backup: { status: 400, message: 'unsupported parameter' } });
    const error = await ai.chat.completions.create({ messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('streams, failing over before the first chunk', async () => {
    chaos.upstream.setFaults({ primary: 'reset' });
    const ai = resilientOpenAI(
      [
        { client: client(), model: 'primary' },
        { client: client(), model: 'backup' },
      ],
      { ...fast, maxRetries: 0 },
    );
    const stream = await ai.chat.completions.create({ messages, stream: true });
    expect(stream.target).toBe(ai.targets[1]);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain('quick brown fox');
    expect(ai.pool.health.health(ai.targets[1]!)?.consecutiveFailures).toBe(0);
  });

  it('surfaces a failure after the first chunk as an error in the loop, recorded against the model', async () => {
    chaos.upstream.setFaults({ primary: { cutAfterChunks: 2 } });
    const ai = resilientOpenAI(
      [
        { client: client(), model: 'primary' },
        { client: client(), model: 'backup' },
      ],
      { ...fast, maxRetries: 0 },
    );
    const stream = await ai.chat.completions.create({ messages, stream: true });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta?.content ?? '');
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(seen.join('')).not.toBe('');
    expect(chaos.upstream.stats().models['backup']?.requests ?? 0).toBe(0);
    expect(ai.pool.health.health(ai.targets[0]!)?.consecutiveFailures).toBe(1);
  });

  it('throws AllModelsFailedError when every target fails', async () => {
    chaos.upstream.setFaults({ primary: '503', backup: '429' });
    const ai = resilientOpenAI(
      [
        { client: client(), model: 'primary' },
        { client: client(), model: 'backup' },
      ],
      { ...fast, maxRetries: 0 },
    );
    const error = await ai.chat.completions.create({ messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllModelsFailedError);
    expect((error as AllModelsFailedError).attempts.map((a) => a.kind)).toEqual(['transient', 'throttled']);
    expect((error as AllModelsFailedError).cause).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
