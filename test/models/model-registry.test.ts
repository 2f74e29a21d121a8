// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} placeholders are the subject under test
import { describe, expect, it } from 'vitest';
import { ConfigError, unwrapConfig, validateConfig } from '../../src/config/index.js';
import { ModelRegistry } from '../../src/models/index.js';

const config = unwrapConfig(
  validateConfig(
    {
      models: {
        'claude-4-sonnet': {
          provider: 'anthropic',
          apiKey: '${ANTHROPIC_API_KEY}',
          model: 'claude-sonnet-4-20250514',
          aliases: ['anthropic/claude-4-sonnet-20250514', 'sonnet-4', 'anthropic-claude-4-sonnet'],
          capabilities: ['voting', 'reasoning', 'tools', 'json', 'vision'],
          contextWindow: 200_000,
          timeout: '30s',
          fallbacks: ['GPT-5', 'ds'],
          probe: { kind: 'canary', prompt: 'say pong', expect: 'pong', interval: '1m' },
        },
        'gpt-5': {
          provider: 'openai',
          apiKey: 'sk-plain',
          capabilities: ['tools', 'json'],
          contextWindow: 400_000,
        },
        'deepseek-v3': {
          provider: 'openai',
          baseURL: 'https://api.deepseek.com/v1',
          model: 'deepseek-chat',
          aliases: ['ds'],
          tier: 'collaborator',
          capabilities: ['json', 'custom-skill'],
          contextWindow: 64_000,
          cost: { input: 0.00027, output: 0.0011 },
        },
        sim: { provider: 'simulated', tier: 'collaborator', simulated: { latency: '10ms' } },
      },
      chains: { governance: { primaryModel: 'sonnet-4', fallbackChain: ['gpt-5', 'DS'], timeoutMs: '20s' } },
      routes: { 'vision-tools': { capabilities: ['tools'], prefer: ['gpt-5'] } },
      resilience: { defaultTimeout: '45s' },
    },
    { env: { ANTHROPIC_API_KEY: 'sk-ant-very-secret' } },
  ),
);
const registry = ModelRegistry.fromConfig(config);

describe('ModelRegistry', () => {
  it('resolves ids and aliases case-insensitively', () => {
    expect(registry.resolve('claude-4-sonnet')?.id).toBe('claude-4-sonnet');
    expect(registry.resolve('Sonnet-4')?.id).toBe('claude-4-sonnet');
    expect(registry.resolve('ANTHROPIC/claude-4-sonnet-20250514')?.id).toBe('claude-4-sonnet');
    expect(registry.resolve('anthropic-claude-4-sonnet')?.id).toBe('claude-4-sonnet');
    expect(registry.resolveId('ds')).toBe('deepseek-v3');
    expect(registry.resolve('nope')).toBeUndefined();
  });

  it('tolerates provider prefixes and prefix-less aliases', () => {
    expect(registry.resolve('openai/gpt-5')?.id).toBe('gpt-5');
    expect(registry.resolve('openrouter/anthropic/claude-4-sonnet-20250514')?.id).toBe('claude-4-sonnet');
    expect(registry.resolve('claude-4-sonnet-20250514')?.id).toBe('claude-4-sonnet');
    expect(registry.resolve('deepseek-chat')?.id).toBe('deepseek-v3');
  });

  it('get() takes canonical ids only', () => {
    expect(registry.get('gpt-5')?.provider).toBe('openai');
    expect(registry.get('ds')).toBeUndefined();
    expect(registry.size).toBe(4);
  });

  it('compiles specs with defaults, canonical fallbacks and ms timeouts', () => {
    const sonnet = registry.get('claude-4-sonnet')!;
    expect(sonnet.fallbacks).toEqual(['gpt-5', 'deepseek-v3']);
    expect(sonnet.timeoutMs).toBe(30_000);
    expect(sonnet.baseURL).toBe('https://api.anthropic.com');
    expect(sonnet.providerModel).toBe('claude-sonnet-4-20250514');
    expect(sonnet.probe).toMatchObject({ kind: 'canary', intervalMs: 60_000, maxTokens: 512 });
    const gpt = registry.get('gpt-5')!;
    expect(gpt.timeoutMs).toBe(45_000);
    expect(gpt.baseURL).toBe('https://api.openai.com/v1');
    expect(gpt.providerModel).toBe('gpt-5');
    expect(registry.get('sim')!.baseURL).toBeUndefined();
  });

  it('filters by capability, context window and tier', () => {
    expect(registry.byCapability(['tools']).map((m) => m.id)).toEqual(['claude-4-sonnet', 'gpt-5']);
    expect(registry.byCapability(['json'], 100_000).map((m) => m.id)).toEqual(['claude-4-sonnet', 'gpt-5']);
    expect(registry.byCapability(['custom-skill']).map((m) => m.id)).toEqual(['deepseek-v3']);
    expect(registry.byTier('collaborator').map((m) => m.id)).toEqual(['deepseek-v3', 'sim']);
  });

  it('exposes chains and routes with canonical ids', () => {
    expect(registry.chain('governance')).toMatchObject({
      primaryModel: 'claude-4-sonnet',
      fallbackChain: ['gpt-5', 'deepseek-v3'],
      models: ['claude-4-sonnet', 'gpt-5', 'deepseek-v3'],
      timeoutMs: 20_000,
    });
    expect(registry.candidatesForRoute('vision-tools').map((m) => m.id)).toEqual([
      'gpt-5',
      'claude-4-sonnet',
    ]);
    expect(registry.chain('missing')).toBeUndefined();
  });

  it('never reveals the API key through JSON, describe or inspection', () => {
    const sonnet = registry.get('claude-4-sonnet')!;
    expect(sonnet.apiKey).toBe('sk-ant-very-secret');
    expect(JSON.stringify(sonnet)).not.toContain('sk-ant-very-secret');
    expect(JSON.stringify(registry.describe())).not.toContain('sk-plain');
    expect(sonnet.describe().apiKey).toBe('***');
    expect(Object.keys(sonnet)).not.toContain('apiKey');
    expect(String(Object.values(sonnet))).not.toContain('sk-ant-very-secret');
  });

  it('is immutable', () => {
    const sonnet = registry.get('claude-4-sonnet')!;
    expect(() => {
      (sonnet as { timeoutMs: number }).timeoutMs = 1;
    }).toThrow();
    expect(() => (sonnet.capabilities as Set<string>).add('x')).toThrow();
    expect(Object.isFrozen(registry.all())).toBe(true);
  });

  it('refuses a config whose references do not resolve', () => {
    const broken = { ...config, models: { a: { ...config.models['gpt-5']!, fallbacks: ['ghost'] } } };
    expect(() => ModelRegistry.fromConfig(broken)).toThrow(ConfigError);
  });
});
