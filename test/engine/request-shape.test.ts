/**
 * What a request needs from a model: the capabilities its body implies (tools, json, vision) with the
 * caller's extra ones, each once, and an estimate of its size.
 */
import { describe, expect, it } from 'vitest';
import { requestNeeds } from '../../src/engine/request-shape.js';
import type { ChatRequest } from '../../src/providers/types.js';

const body = (extra: Record<string, unknown> = {}): ChatRequest =>
  ({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(35) }], ...extra }) as ChatRequest;

describe('requestNeeds', () => {
  it('implies nothing for a plain text body, and estimates its prompt and completion budget', () => {
    expect(requestNeeds(body())).toEqual({ capabilities: [], estimatedTokens: 10 });
    expect(requestNeeds(body({ max_tokens: 5 })).estimatedTokens).toBe(15);
    expect(requestNeeds(body({ max_completion_tokens: 7, max_tokens: 5 })).estimatedTokens).toBe(17);
    expect(requestNeeds(body({ response_format: null })).capabilities).toEqual([]);
  });

  it('reads tools, json and vision from the body, beside the caller’s capabilities, each once', () => {
    const rich = body({
      tools: [{ type: 'function', function: { name: 'f' } }],
      response_format: { type: 'json_schema' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'abcdefg' },
            { type: 'image_url', image_url: { url: 'data:,' } },
          ],
        },
      ],
    });
    expect(requestNeeds(rich)).toEqual({ capabilities: ['tools', 'json', 'vision'], estimatedTokens: 2 });
    expect(requestNeeds(rich, ['json', 'voting']).capabilities).toEqual([
      'json',
      'voting',
      'tools',
      'vision',
    ]);
    expect(requestNeeds(body(), ['voting', 'voting']).capabilities).toEqual(['voting']);
    expect(requestNeeds(body({ tools: [] })).capabilities).toEqual([]);
  });
});
