// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} placeholders are part of the configs under test
import { describe, expect, it } from 'vitest';
import {
  configJsonSchema,
  formatIssue,
  parseConfigText,
  parseDuration,
  validateConfig,
} from '../../src/config/index.js';

function issues(text: string, env: Record<string, string> = {}): string[] {
  const r = parseConfigText(text, { env });
  if (r.ok) throw new Error('expected issues');
  return r.issues.map(formatIssue);
}

describe('one schema for every section', () => {
  it('fills every section with its defaults, fully typed', () => {
    const r = validateConfig({});
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
    const c = r.config;
    expect(c.server).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      requestTimeoutMs: 120_000,
      sseHeartbeatMs: 15_000,
    });
    expect(c.security).toMatchObject({ clientKeys: [], adminKeys: [], metrics: 'public' });
    expect(c.security.authFailures).toEqual({ max: 10, windowMs: 60_000, trackedIps: 10_000 });
    expect(c.flags).toEqual({});
    expect(c.audit).toEqual({ aggregateWindow: 60_000 });
    expect(c.alerts.rules.errorRate).toMatchObject({ threshold: 0.5, window: 300_000 });
    expect(c.alerts.notifiers).toEqual([{ type: 'log' }]);
    expect(Object.isFrozen(c.alerts.rules)).toBe(true);
  });

  it('reads durations as "30s" in every section, a bare number meaning milliseconds', () => {
    const r = parseConfigText(
      [
        'server: { requestTimeoutMs: 45s, sseHeartbeatMs: 2500 }',
        'security: { authFailures: { windowMs: 1m30s } }',
        'alerts: { cooldown: 90s, escalateAfter: "0", delivery: { backoff: 250ms } }',
        'chains: { c: { primaryModel: a, timeoutMs: 2m } }',
        'models: { a: { provider: simulated, timeout: "1500" } }',
        'audit: { aggregateWindow: 10s }',
      ].join('\n'),
    );
    if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
    expect(r.config.server.requestTimeoutMs).toBe(45_000);
    expect(r.config.server.sseHeartbeatMs).toBe(2500);
    expect(r.config.security.authFailures.windowMs).toBe(90_000);
    expect(r.config.alerts.cooldown).toBe(90_000);
    expect(r.config.alerts.escalateAfter).toBe(0);
    expect(r.config.alerts.delivery.backoff).toBe(250);
    expect(r.config.chains['c']!.timeoutMs).toBe(120_000);
    expect(r.config.models['a']!.timeout).toBe(1500);
    expect(r.config.audit.aggregateWindow).toBe(10_000);
  });

  it('names each bad field of the gateway sections by its path', () => {
    const found = issues(
      [
        'server: { port: 70000, requestTimeoutMs: 0, bodyLimitByte: 5 }',
        'security:',
        '  adminKeys: [{ name: ops, key: long-enough-key, scope: god }]',
        '  clientKeys: [{ name: ops, keyHash: abc }]',
        'flags: { retries: sometimes, hedgin: on }',
        'audit: { dataDir: "", aggregateWindow: soon }',
        'alerts: { rules: { errorRate: { treshold: 0.2 } }, notifiers: [{ type: pager }] }',
      ].join('\n'),
    );
    const text = found.join('\n');
    expect(text).toContain('server.port: ');
    expect(text).toContain('server.requestTimeoutMs: expected a duration above zero, like "30s"');
    expect(text).toContain(
      'server.bodyLimitByte: unknown key "bodyLimitByte" (did you mean "bodyLimitBytes"?)',
    );
    expect(text).toContain('security.adminKeys[0].scope: expected one of read, operate, admin');
    expect(text).toContain('security.clientKeys[0].keyHash: expected a sha256 hex digest');
    expect(text).toContain('flags.retries: ');
    expect(text).toContain('flags.hedgin: unknown key "hedgin" (did you mean "hedging"?)');
    expect(text).toContain('audit.dataDir: expected a directory path');
    expect(text).toContain('audit.aggregateWindow: expected a duration');
    expect(text).toContain(
      'alerts.rules.errorRate.treshold: unknown key "treshold" (did you mean "threshold"?)',
    );
    expect(text).toContain('alerts.notifiers[0].type');
  });

  it('refuses a key name used twice across client and admin keys', () => {
    const found = issues(
      'security:\n  clientKeys: [{ name: app, key: "${K1}" }]\n  adminKeys: [{ name: app, key: "${K2}", scope: read }]\n',
      { K1: 'client-key-123', K2: 'admin-key-456' },
    );
    expect(found).toEqual(['security.adminKeys[0].name: key name "app" is used twice']);
    expect(found.join('\n')).not.toContain('client-key-123');
  });

  it('a missing key variable names the path, never a value', () => {
    const found = issues('security:\n  adminKeys: [{ name: ops, key: "${ADMIN_KEY}", scope: admin }]\n');
    expect(found).toEqual(['security.adminKeys[0].key: environment variable ADMIN_KEY is not set']);
  });
});

describe('durations', () => {
  it('accepts compounds and spaces, refuses anything else', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1h 2m 3.5s')).toBe(3_723_500);
    expect(parseDuration(' 30 s ')).toBe(30_000);
    expect(parseDuration('250us')).toBe(0);
    expect(parseDuration('1500us')).toBe(2);
    for (const bad of ['', 's', '30x', '-5s', '1m-30s', '3.s', 'Infinity', '1e3']) {
      expect(parseDuration(bad)).toBeUndefined();
    }
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseDuration(true)).toBeUndefined();
  });
});

describe('JSON Schema', () => {
  type Node = { properties?: Record<string, Node>; items?: Node; anyOf?: Node[]; pattern?: string };

  it('completes every section, durations as strings or numbers', () => {
    const schema = configJsonSchema() as Node;
    const top = schema.properties!;
    for (const section of ['server', 'security', 'flags', 'audit', 'alerts']) {
      expect(Object.keys(top[section]!.properties ?? {}).length, section).toBeGreaterThan(0);
    }
    expect(Object.keys(top['server']!.properties!)).toContain('requestTimeoutMs');
    expect(Object.keys(top['flags']!.properties!)).toEqual([
      'health',
      'breaker',
      'retries',
      'fallback',
      'hedging',
      'emergencyConsensus',
    ]);
    const timeout = top['server']!.properties!['requestTimeoutMs']!;
    const pattern = timeout.anyOf!.find((n) => n.pattern)!.pattern!;
    expect(new RegExp(pattern, 'u').test('1m30s')).toBe(true);
    expect(new RegExp(pattern, 'u').test('soon')).toBe(false);
    const notifier = top['alerts']!.properties!['notifiers']!.items!;
    expect(JSON.stringify(notifier)).toContain('webhook');
  });
});
