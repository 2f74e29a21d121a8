/**
 * An Anthropic model behind the gateway, reached with the official `openai` client: the Messages API
 * (non-streaming and streaming) is translated to OpenAI's shapes, and an overloaded (529) Anthropic model
 * falls back to an OpenAI-compatible one.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function start(): Promise<OpenAI> {
  const dir = tempDir();
  const configPath = writeGatewayConfig(dir, chaos.openaiBaseURL, {
    models: {
      claude: {
        provider: 'anthropic',
        baseURL: chaos.url,
        apiKey: 'sk-ant-test-secret',
        model: 'claude-sonnet-4-20250514',
        aliases: ['sonnet-4'],
        maxRetries: 0,
        fallbacks: ['gpt'],
      },
      gpt: { provider: 'openai', baseURL: chaos.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 },
    },
  });
  gateway = await startGateway({ configPath, port: 0, dataDir: ':memory:', logger: false, probes: false });
  return new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}

describe('an Anthropic model behind the gateway', () => {
  it('answers through the Messages API, by alias, non-streaming and streaming', async () => {
    const client = await start();
    const { data, response } = await client.chat.completions
      .create({
        model: 'sonnet-4',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-hive-model')).toBe('claude');
    expect(data.choices[0]?.message.content).toContain('quick brown fox');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    const stream = await client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toContain('quick brown fox');
    expect(chaos.upstream.stats().models['claude-sonnet-4-20250514']?.requests).toBe(2);
  });

  it('falls back from an overloaded Anthropic model to an OpenAI-compatible one', async () => {
    chaos.upstream.setFaults({ 'claude-sonnet-4-20250514': 'overloaded' });
    const client = await start();
    const { response } = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-hive-model')).toBe('gpt');
    expect(response.headers.get('x-hive-fallback')).toBe('true');
  });
});
