// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} placeholders are the subject under test
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configJsonSchema,
  formatIssue,
  loadConfig,
  parseConfigText,
  parseDuration,
  readConfigFile,
  validateConfig,
} from '../../src/config/index.js';

const BIP03 = `
models:
  claude-4-sonnet:
    provider: anthropic          # openai (any OpenAI-compatible API) | anthropic | simulated
    baseURL: https://api.anthropic.com
    apiKey: \${ANTHROPIC_API_KEY}
    model: claude-sonnet-4-20250514          # the provider's own model name
    aliases: [anthropic/claude-4-sonnet-20250514, sonnet-4, anthropic-claude-4-sonnet]
    tier: general                # general | collaborator (CMMV-Hive roles)
    capabilities: [voting, reasoning, code_review, tools, json, streaming]
    contextWindow: 200000
    maxRetries: 3
    timeout: 30s                 # plus optional ttftTimeout and idleTimeout for streams
    circuitBreakerThreshold: 5
    fallbacks: [gpt-5, deepseek-v3]
chains:                          # the proposal's FallbackConfig, by name
  governance: { primaryModel: claude-4-sonnet, fallbackChain: [gpt-5, gemini-2.5-pro],
                maxRetries: 3, timeoutMs: 30000, enableEmergencyConsensus: true }
resilience: { healthCheckInterval: 30s, defaultTimeout: 30s, maxConcurrentRequests: 10,
              degradedModeThreshold: 60 }
`;

const OTHERS = `
  gpt-5: { provider: openai, apiKey: '\${OPENAI_API_KEY}' }
  deepseek-v3: { provider: openai, baseURL: https://api.deepseek.com/v1, model: deepseek-chat }
  gemini-2.5-pro: { provider: simulated, simulated: { latency: 20ms, failureRate: 0.1, seed: 7 } }
`;
const withOthers = BIP03.replace('chains:', `${OTHERS.replace(/^\n/, '')}chains:`);
const env = { ANTHROPIC_API_KEY: 'sk-ant-SECRET-VALUE', OPENAI_API_KEY: 'sk-openai-SECRET' };

function messages(text: string, e: Record<string, string> = env): string[] {
  const r = parseConfigText(text, { env: e });
  if (r.ok) throw new Error('expected issues');
  return r.issues.map(formatIssue);
}

describe('durations', () => {
  it('parses units and plain milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('3x')).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });
});

describe('BIP-03 sample', () => {
  it('has a valid shape; its only issues are the models it references but does not define', () => {
    expect(messages(BIP03)).toEqual([
      'models.claude-4-sonnet.fallbacks[0]: unknown model "gpt-5"',
      'models.claude-4-sonnet.fallbacks[1]: unknown model "deepseek-v3"',
      'chains.governance.fallbackChain[0]: unknown model "gpt-5"',
      'chains.governance.fallbackChain[1]: unknown model "gemini-2.5-pro"',
    ]);
  });

  it('parses completely once those models exist, with durations in ms', () => {
    const r = parseConfigText(withOthers, { env });
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
    const m = r.config.models['claude-4-sonnet']!;
    expect(m.timeout).toBe(30_000);
    expect(m.apiKey).toBe('sk-ant-SECRET-VALUE');
    expect(m.aliases).toContain('sonnet-4');
    expect(r.config.chains['governance']!.enableEmergencyConsensus).toBe(true);
    expect(r.config.resilience.healthCheckInterval).toBe(30_000);
    expect(r.config.models['gemini-2.5-pro']!.simulated).toEqual({
      latency: '20ms',
      failureRate: 0.1,
      seed: 7,
    });
    expect(Object.isFrozen(r.config.models['claude-4-sonnet']!.aliases)).toBe(true);
  });
});

describe('error paths', () => {
  it('names a wrong duration exactly', () => {
    expect(messages(withOthers.replace('timeout: 30s', 'timeout: thirty'))).toEqual([
      'models.claude-4-sonnet.timeout: expected a duration like "30s"',
    ]);
  });

  it('rejects unknown keys in models, naming the key and suggesting a fix', () => {
    expect(messages(withOthers.replace('maxRetries: 3\n    timeout', 'maxRetries: 3\n    timout'))).toEqual([
      'models.claude-4-sonnet.timout: unknown key "timout" (did you mean "timeout"?)',
    ]);
  });

  it('lists every issue at once', () => {
    const text = withOthers.replace('timeout: 30s', 'timeout: soon').replace('tier: general', 'tier: boss');
    const found = messages(text);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^models\.claude-4-sonnet\.tier: /);
    expect(found[1]).toBe('models.claude-4-sonnet.timeout: expected a duration like "30s"');
  });

  it('rejects duplicate aliases and aliases equal to another model id', () => {
    const text = `
models:
  a: { provider: simulated, aliases: [shared] }
  b: { provider: simulated, aliases: [SHARED, a] }
`;
    expect(messages(text)).toEqual([
      'models.b.aliases[0]: alias "SHARED" is already used by model "a"',
      'models.b.aliases[1]: alias "a" is the id of another model ("a")',
    ]);
  });

  it('rejects unknown route preferences and a model falling back to itself', () => {
    const text = `
models:
  a: { provider: simulated, fallbacks: [a], capabilities: [tools] }
routes:
  tools: { capabilities: [tools], prefer: [zz] }
`;
    expect(messages(text)).toEqual([
      'models.a.fallbacks[0]: a model cannot fall back to itself',
      'routes.tools.prefer[0]: unknown model "zz"',
    ]);
  });

  it('reports YAML syntax errors with a position', () => {
    expect(messages('models:\n  a: [unclosed\n')[0]).toMatch(
      /^\(root\): invalid YAML at line \d+, column \d+/,
    );
  });
});

describe('environment interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default}', () => {
    const r = validateConfig(
      {
        models: {
          a: {
            provider: 'openai',
            apiKey: '${KEY}',
            baseURL: '${URL:-http://127.0.0.1:8000/v1}',
            timeout: '${T:-5s}',
          },
        },
      },
      { env: { KEY: 'k-123' } },
    );
    if (!r.ok) throw new Error('expected ok');
    expect(r.config.models['a']!.apiKey).toBe('k-123');
    expect(r.config.models['a']!.baseURL).toBe('http://127.0.0.1:8000/v1');
    expect(r.config.models['a']!.timeout).toBe(5000);
  });

  it('keeps $${VAR} as a literal', () => {
    const r = validateConfig(
      { models: { a: { provider: 'simulated', simulated: { answer: 'cost $${X}' } } } },
      { env: {} },
    );
    expect(r.ok && r.config.models['a']!.simulated!['answer']).toBe('cost ${X}');
  });

  it('a missing variable names the path and the variable, never a secret', () => {
    const text = withOthers.replace('${OPENAI_API_KEY}', '${MISSING_KEY}');
    const r = parseConfigText(text.replace('timeout: 30s', 'timeout: ${ANTHROPIC_API_KEY}'), { env });
    expect(r.ok).toBe(false);
    const all = JSON.stringify(r);
    expect(all).not.toContain('sk-ant-SECRET-VALUE');
    expect(all).not.toContain('sk-openai-SECRET');
    if (!r.ok) {
      expect(r.issues.map(formatIssue)).toEqual([
        'models.gpt-5.apiKey: environment variable MISSING_KEY is not set',
        'models.claude-4-sonnet.timeout: expected a duration like "30s"',
      ]);
    }
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hive-config-'));

  it('loads YAML and JSON files to the same config', async () => {
    const yamlPath = join(dir, 'c.yaml');
    const jsonPath = join(dir, 'c.json');
    const doc = { models: { m: { provider: 'simulated', timeout: '2m', aliases: ['mm'] } } };
    writeFileSync(yamlPath, 'models:\n  m:\n    provider: simulated\n    timeout: 2m\n    aliases: [mm]\n');
    writeFileSync(jsonPath, JSON.stringify(doc));
    const a = await loadConfig(yamlPath, { env: {} });
    const b = await loadConfig(jsonPath, { env: {} });
    expect(a).toEqual(b);
    expect(a.models['m']!.timeout).toBe(120_000);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('throws ConfigError with .issues at the public edge', async () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, JSON.stringify({ models: { m: { provider: 'nope' } }, modles: {} }));
    const err = await loadConfig(p, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.map(formatIssue);
    expect(issues).toHaveLength(2);
    expect(issues).toContain('modles: unknown key "modles" (did you mean "models"?)');
    expect((err as ConfigError).message).toContain('bad.json');
  });

  it('reports an unreadable file as an issue', async () => {
    const r = await readConfigFile(join(dir, 'missing.yaml'));
    expect(r.ok).toBe(false);
  });

  it('config/example.yaml validates with keys set', async () => {
    const r = await readConfigFile('config/example.yaml', {
      env: { OPENAI_API_KEY: 'a', ANTHROPIC_API_KEY: 'b', DEEPSEEK_API_KEY: 'c', GROQ_API_KEY: 'd' },
    });
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([]);
  });
});

describe('JSON Schema', () => {
  it('describes models strictly and durations as strings or numbers', () => {
    const schema = configJsonSchema() as {
      properties: Record<string, { additionalProperties: Record<string, unknown> }>;
    };
    const model = schema.properties['models']!.additionalProperties as {
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(model.additionalProperties).toBe(false);
    expect(JSON.stringify(model.properties['timeout'])).toContain('"string"');
  });

  it('matches the checked-in schema file', async () => {
    const { readFileSync } = await import('node:fs');
    const file = JSON.parse(readFileSync('schema/hive-resilience.schema.json', 'utf8'));
    expect(file).toEqual(configJsonSchema());
  });
});
